/**
 * Multipart uploads for the routes of one plugin scope. Limits: one file of at most
 * MAX_UPLOAD_BYTES, a few small fields. The file arrives in the body as an `Upload` (the schema
 * marks it with `isFile: true`, shown as a binary string in the OpenAPI document), other fields
 * as strings that the validator coerces to the schema's types.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import multipart, { type MultipartFile } from '@fastify/multipart';
import { ACCEPTED_FORMATS, inspectImage } from '../domain/image-check';
import { ApiError } from '../errors/api-error';

/** An uploaded file, buffered (it is bounded by MAX_UPLOAD_BYTES). */
export interface Upload {
  /** Marker checked by the `isFile` schema keyword. */
  file: true;
  buffer: Buffer;
  filename: string;
  mimetype: string;
}

export const UPLOAD_LIMITS = {
  files: 1,
  fields: 8,
  parts: 9,
  fieldSize: 1024,
  fieldNameSize: 64,
  headerPairs: 100,
} as const;

export async function registerUploads(app: FastifyInstance, maxUploadBytes: number): Promise<void> {
  await app.register(multipart, {
    attachFieldsToBody: 'keyValues',
    limits: { ...UPLOAD_LIMITS, fileSize: maxUploadBytes },
    throwFileSizeLimit: true,
    async onFile(this: FastifyRequest, part: MultipartFile) {
      const buffer = await part.toBuffer();
      const upload: Upload = { file: true, buffer, filename: part.filename, mimetype: part.mimetype };
      (part as unknown as { value: Upload }).value = upload;
    },
  });
}

/** JSON schema of a file field. */
export const fileField = (description: string) => ({ isFile: true, description }) as const;

export const modelField = {
  type: 'string',
  pattern: '^[\\w./:-]{0,200}$',
  description: "Captioning model id; empty or absent selects the captioner's default.",
} as const;

/**
 * Checks an uploaded image before any service sees it: 415 when it is not an accepted format, 422
 * when its header does not parse, 413 when it declares more than `maxPixels` (a small file can
 * declare 30000 x 30000 pixels and would cost gigabytes to decode).
 */
export async function checkUpload(upload: Upload, maxPixels: number): Promise<void> {
  const check = await inspectImage(upload.buffer);
  if (check.ok) {
    const pixels = check.width * check.height;
    if (pixels > maxPixels) {
      throw new ApiError(
        'payload_too_large',
        `the image is ${check.width} x ${check.height} = ${pixels} pixels, above the limit of ${maxPixels}`,
      );
    }
    return;
  }
  if (check.reason === 'unsupported') {
    throw new ApiError(
      'unsupported_media_type',
      `the file is not an accepted image format (${ACCEPTED_FORMATS.join(', ')})`,
    );
  }
  throw new ApiError('undecodable_image', `the ${check.format ?? 'image'} file cannot be decoded`);
}

