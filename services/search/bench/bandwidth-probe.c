/*
 * Memory-bandwidth floor for the search benchmark: how long one pass over the same bytes as the
 * vector store takes in native code. Reads a file of float32 values into 64-byte aligned memory,
 * then times `reps` passes of a sum reduction over LANES independent accumulators (-O3
 * -march=native turns them into 8 vector registers, so the adds overlap and the loads set the pace;
 * with one vector of accumulators the add latency did, and the probe read 30 % slower than memory
 * allows). Prints JSON: bytes, every pass's milliseconds, p50 and min.
 *
 * Usage: bandwidth-probe <file> <reps>
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Independent accumulators: 8 vector registers of 8 floats, so adds overlap and loads set the pace. */
#define LANES 64

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
  size_t padded = (n + LANES - 1) / LANES * LANES;
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
    float acc[LANES] = {0};
    for (size_t i = 0; i < padded; i += LANES) {
      for (int j = 0; j < LANES; j++) acc[j] += a[i + j];
    }
    t[r] = now_ms() - s;
    for (int j = 0; j < LANES; j++) sink += acc[j];
  }
  printf("{\"bytes\":%zu,\"ms\":[", bytes);
  for (int r = 0; r < reps; r++) printf("%s%.4f", r ? "," : "", t[r]);
  qsort(t, reps, sizeof(double), cmp);
  printf("],\"p50Ms\":%.4f,\"minMs\":%.4f}\n", t[reps / 2], t[0]);
  return sink == 12345.678f ? 3 : 0;
}
