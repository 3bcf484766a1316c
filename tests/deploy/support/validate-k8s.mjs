// Validates Kubernetes manifests against the API schemas offline with kubernetes-models (the
// OpenAPI schemas of the Kubernetes API compiled to validators). kubernetes-models is ESM-only and
// jest here runs CommonJS, so the deploy tests spawn this script:
//   node validate-k8s.mjs manifests.json   ->   one JSON line per manifest: {index, kind, name, ok, errors}
import { readFileSync } from 'node:fs';

const docs = JSON.parse(readFileSync(process.argv[2], 'utf8'));
for (const [index, doc] of docs.entries()) {
  const kind = doc?.kind;
  const name = doc?.metadata?.name;
  const apiVersion = String(doc?.apiVersion ?? '');
  // core/v1 models live at kubernetes-models/v1/<Kind>, the others at <group>/<version>/<Kind>.
  const modulePath = `kubernetes-models/${apiVersion}/${kind}`;
  let result;
  try {
    const mod = await import(modulePath);
    const Model = mod[kind] ?? mod.default;
    new Model(doc).validate();
    result = { ok: true, errors: [] };
  } catch (err) {
    const missing = err?.code === 'ERR_MODULE_NOT_FOUND' || err?.code === 'ERR_PACKAGE_PATH_NOT_EXPORTED';
    result = {
      ok: false,
      errors: [missing ? `no schema for ${apiVersion} ${kind}` : String(err?.message ?? err)],
    };
  }
  process.stdout.write(`${JSON.stringify({ index, kind, name, ...result })}\n`);
}
