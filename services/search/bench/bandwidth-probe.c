/*
 * Memory-bandwidth floor for the search benchmark: how long one pass over the same bytes as the
 * vector store takes in native code. Reads a file of float32 values into 64-byte aligned memory,
 * then times `reps` passes of a sum reduction (8 independent accumulators so the adds are not the
 * bottleneck; -O3 -march=native vectorizes it). Prints JSON: bytes, every pass's milliseconds,
 * p50 and min.
 *
 * Usage: bandwidth-probe <file> <reps>
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s <file> <reps>\n", argv[0]);
    return 2;
  }
  FILE *f = fopen(argv[1], "rb");
  if (!f) return perror("open"), 1;
  fseek(f, 0, SEEK_END);
  size_t bytes = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  size_t n = bytes / sizeof(float);
  size_t padded = (n + 15) / 16 * 16;
  float *a = aligned_alloc(64, padded * sizeof(float));
  if (!a) return perror("alloc"), 1;
  memset(a + n, 0, (padded - n) * sizeof(float));
  if (fread(a, 1, bytes, f) != bytes) return perror("read"), 1;
  fclose(f);
  int reps = atoi(argv[2]);
  if (reps < 1) reps = 1;
  double *t = malloc(sizeof(double) * reps);
  volatile float sink = 0;
  for (int r = 0; r < reps; r++) {
    double s = now_ms();
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
    for (size_t i = 0; i < padded; i += 8) {
      s0 += a[i], s1 += a[i + 1], s2 += a[i + 2], s3 += a[i + 3];
      s4 += a[i + 4], s5 += a[i + 5], s6 += a[i + 6], s7 += a[i + 7];
    }
    t[r] = now_ms() - s;
    sink += s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7;
  }
  printf("{\"bytes\":%zu,\"ms\":[", bytes);
  for (int r = 0; r < reps; r++) printf("%s%.4f", r ? "," : "", t[r]);
  qsort(t, reps, sizeof(double), cmp);
  printf("],\"p50Ms\":%.4f,\"minMs\":%.4f}\n", t[reps / 2], t[0]);
  return sink == 12345.678f ? 3 : 0;
}
