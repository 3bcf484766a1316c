/**
 * Request validation. JSON bodies are validated strictly (no type coercion: `"k": "5"`, `true` or
 * `null` are errors, not 5, 1 or 0), while query strings, path parameters and multipart form fields,
 * which are strings on the wire, are coerced to the schema's types. Unknown body fields are errors
 * (`additionalProperties: false`), not silently dropped, so a typo such as `treshold` is reported.
 */
import Ajv, { type Options } from 'ajv';
import { ajvFilePlugin } from '@fastify/multipart';
import type { FastifySchemaCompiler } from 'fastify';

const COMMON: Options = {
  useDefaults: true,
  removeAdditional: false,
  // One error at a time: allErrors makes some schemas a denial-of-service vector.
  allErrors: false,
  // OpenAPI annotations (example, ...) are not Ajv keywords.
  strict: false,
  // Set by the isFile keyword on upload fields, for the OpenAPI document; not a string format to check.
  formats: { binary: true },
};

const strictAjv = new Ajv({ ...COMMON, coerceTypes: false });
const coercingAjv = new Ajv({ ...COMMON, coerceTypes: 'array' });
ajvFilePlugin(coercingAjv);

function hasFileField(schema: unknown): boolean {
  const props = (schema as { properties?: Record<string, { isFile?: boolean; format?: string }> }).properties;
  return !!props && Object.values(props).some((p) => p.isFile === true || p.format === 'binary');
}

/** Fastify validator compiler implementing the rules above. */
export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' && !hasFileField(schema) ? strictAjv : coercingAjv;
  return ajv.compile(schema as object) as ReturnType<FastifySchemaCompiler<unknown>>;
};
