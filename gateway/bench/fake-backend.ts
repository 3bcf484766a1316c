/**
 * Child process of the gateway benchmark: the test fakes of embedder and search (and captioner)
 * on 127.0.0.1:0, over a synthetic index of `--images` images x 5 captions. Prints one JSON line
 * with the addresses, then serves until killed.
 */
import { createHash } from 'node:crypto';
import { FakeBackends, type FakeImage } from '../test/support/fake-backends';

const WORDS = (
  'dog dogs cat man woman child boy girl runs running jumps plays sits stands walks swims rides ' +
  'ball grass beach water snow street park field bike car red black white brown blue green small ' +
  'big young old two three group people crowd mountain river tree fence wall road frisbee'
).split(' ');

function synthetic(images: number): FakeImage[] {
  let s = 42;
  const rnd = (n: number) => ((s = (s * 1103515245 + 12345) % 2 ** 31) % n);
  const sentence = () => `a ${Array.from({ length: 5 + rnd(6) }, () => WORDS[rnd(WORDS.length)]).join(' ')} .`;
  return Array.from({ length: images }, (_, i) => ({
    imageId: `img_${i}`,
    imagePath: `Images/img_${i}.jpg`,
    captions: Array.from({ length: 5 }, sentence),
    contentHash: createHash('sha256').update(String(i)).digest('hex'),
  }));
}

async function main(): Promise<void> {
  const arg = process.argv.find((a) => a.startsWith('--images='));
  const images = arg ? Number(arg.split('=')[1]) : 1000;
  const fakes = await FakeBackends.start('/nonexistent-bench-dataset', synthetic(images));
  process.stdout.write(`${JSON.stringify(fakes.addrs)}\n`);
  const stop = () => void fakes.stop().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

void main();
