/**
 * infra/ (kustomize base + overlays/local), checked without a cluster: every manifest validates
 * against the Kubernetes API schemas (kubernetes-models), and the properties the deployment relies
 * on hold: probes, resources, hardening, autoscaling and disruption budgets of the inference pods,
 * headless Services behind the client-side balancing, and references that resolve.
 */
import { schema as embedderSchema } from '@tit/embedder/src/config';
import { schema as searchSchema } from '@tit/search/src/config';
import { schema as captionerSchema } from '@tit/captioner/src/config';
import { schema as indexerSchema } from '@tit/indexer/src/config';
import { schema as gatewaySchema } from '@tit/gateway/src/config';
import { schema as modelsSchema } from '@tit/tools/src/models/config';
import { execForm, readDockerfile } from './support/dockerfile-model';
import {
  HAS_KUBECTL,
  WORKLOAD_KINDS,
  baseName,
  find,
  kustomize,
  podSpecOf,
  quantity,
  readBaseFiles,
  renderBase,
  validateManifests,
  type Manifest,
} from './support/kubernetes';
import { readRepoFile } from './support/repo-files';

const base = renderBase();
const docs = base.docs;
const config: Record<string, string> = find(docs, 'ConfigMap', 'tit-config')?.data ?? {};
const SCHEMAS: Record<string, Record<string, unknown>> = {
  embedder: embedderSchema,
  search: searchSchema,
  captioner: captionerSchema,
  indexer: indexerSchema,
  gateway: gatewaySchema,
};
const INFERENCE = [
  {
    name: 'embedder',
    portVar: 'EMBEDDER_PORT',
    addrVar: 'EMBEDDER_ADDR',
    threadsVar: 'EMBEDDER_CPUS',
  },
  {
    name: 'captioner',
    portVar: 'CAPTIONER_PORT',
    addrVar: 'CAPTIONER_ADDR',
    threadsVar: 'CAPTIONER_INTRA_OP_THREADS',
  },
] as const;

const workloads = (all: readonly Manifest[]) => all.filter((d) => WORKLOAD_KINDS.has(String(d.kind)));
const containersOf = (d: Manifest): Manifest[] => [
  ...(podSpecOf(d).initContainers ?? []),
  ...(podSpecOf(d).containers ?? []),
];
const mainContainer = (d: Manifest): Manifest => podSpecOf(d).containers[0];
const labelsMatch = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

console.log(
  `kubernetes.test: base rendered with ${base.via}${HAS_KUBECTL ? '' : ' (kubectl not installed: overlay checks skipped)'}`,
);

describe(`Kubernetes base (${base.via})`, () => {
  it('validates against the Kubernetes API schemas (kubernetes-models), and the validator does reject a broken manifest', () => {
    const broken: Manifest = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'broken' },
      spec: {
        template: { spec: { containers: [{ image: 'x', readinessProbe: { grpc: { port: 'grpc' } } }] } },
      },
    };
    const results = validateManifests([...docs, broken]);
    const control = results.pop()!;
    expect(control.ok).toBe(false);
    expect(control.errors.join(' ')).toMatch(
      /required property selector.*|must have required property 'name'|must be integer/,
    );
    expect(results.filter((r) => !r.ok).map((r) => `${r.kind}/${r.name}: ${r.errors.join('; ')}`)).toEqual(
      [],
    );
    expect(results).toHaveLength(docs.length);
    // Every kind the deployment needs is there.
    const kinds = new Set(docs.map((d) => `${d.kind}/${baseName(d)}`));
    for (const k of [
      'Deployment/gateway',
      'Deployment/embedder',
      'Deployment/captioner',
      'Deployment/indexer',
      'Deployment/redis',
      'StatefulSet/search',
      'Job/models-pull',
      'PersistentVolumeClaim/models',
      'ConfigMap/tit-config',
      'HorizontalPodAutoscaler/embedder',
      'HorizontalPodAutoscaler/captioner',
    ])
      expect(kinds).toContain(k);
  });

  describe.each(INFERENCE)('inference Deployment $name', ({ name, portVar, addrVar, threadsVar }) => {
    const dep = find(docs, 'Deployment', name)!;
    const c = () => mainContainer(dep);
    const port = Number(config[portVar]);

    it('has native gRPC startup, readiness and liveness probes on its serving port', () => {
      expect(c().ports).toEqual([{ name: 'grpc', containerPort: port }]);
      for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
        expect({ probe, grpc: c()[probe]?.grpc }).toEqual({ probe, grpc: { port } });
      }
      // Model loading gets minutes before liveness applies.
      expect(c().startupProbe.periodSeconds * c().startupProbe.failureThreshold).toBeGreaterThanOrEqual(180);
    });

    it('requests and limits CPU and memory (requests within limits), and sizes the ONNX Runtime sessions and threads to the CPU limit', () => {
      const { requests, limits } = c().resources ?? {};
      for (const r of ['cpu', 'memory']) {
        expect(quantity(requests[r])).toBeGreaterThan(0);
        expect(quantity(requests[r])).toBeLessThanOrEqual(quantity(limits[r]));
      }
      const threads = c().env.find((e: Manifest) => e.name === threadsVar);
      expect(threads?.valueFrom?.resourceFieldRef).toEqual({
        containerName: name,
        resource: 'limits.cpu',
        divisor: '1',
      });
      expect(threadsVar in SCHEMAS[name]).toBe(true);
    });

    it('runs non-root with a read-only root filesystem and no capabilities, models mounted read-only', () => {
      const pod = podSpecOf(dep);
      expect(pod.securityContext).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
      for (const ct of containersOf(dep))
        expect(ct.securityContext).toEqual({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          capabilities: { drop: ['ALL'] },
        });
      expect(c().volumeMounts).toEqual(
        expect.arrayContaining([{ name: 'models', mountPath: config.MODELS_DIR, readOnly: true }]),
      );
      const vol = pod.volumes.find((v: Manifest) => v.name === 'models');
      expect(vol.persistentVolumeClaim).toEqual({ claimName: 'models', readOnly: true });
    });

    it('is scaled by an HPA on CPU (no fixed replicas to fight it) and protected by a PodDisruptionBudget', () => {
      expect(dep.spec.replicas).toBeUndefined();
      const hpa = find(docs, 'HorizontalPodAutoscaler', name)!;
      expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name });
      expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
      expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
      expect(hpa.spec.metrics).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ type: 'Resource', resource: expect.objectContaining({ name: 'cpu' }) }),
        ]),
      );
      const pdb = docs.find(
        (d) =>
          d.kind === 'PodDisruptionBudget' &&
          labelsMatch(d.spec.selector.matchLabels, dep.spec.template.metadata.labels),
      );
      expect(pdb?.spec.maxUnavailable ?? pdb?.spec.minAvailable).toBeDefined();
      // Rolling updates never drop below the current capacity.
      expect(dep.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    });

    it('is reached through a headless Service that clients round-robin over (dns:/// target)', () => {
      const svcName = `${name}-headless`;
      expect(config[addrVar]).toBe(`dns:///${svcName}:${port}`);
      const svc = find(docs, 'Service', svcName)!;
      expect(svc.spec.clusterIP).toBe('None');
      expect(labelsMatch(svc.spec.selector, dep.spec.template.metadata.labels)).toBe(true);
      expect(svc.spec.ports).toEqual([expect.objectContaining({ port, targetPort: 'grpc' })]);
    });

    it('waits for the models-pull Job’s marker before starting', () => {
      const init = podSpecOf(dep).initContainers.find((i: Manifest) => i.name === 'wait-for-models');
      expect(init.args.join(' ')).toContain('"$MODELS_DIR/.pulled-$MODELS_REVISION"');
      const job = find(docs, 'Job', 'models-pull')!;
      expect(mainContainer(job).args.join(' ')).toContain('touch "$MODELS_DIR/.pulled-$MODELS_REVISION"');
    });
  });

  it('hardens every container of every workload (our images, Redis, the Jobs and the init containers)', () => {
    for (const w of workloads(docs)) {
      const pod = podSpecOf(w);
      const id = `${w.kind}/${w.metadata.name}`;
      expect({ id, links: pod.enableServiceLinks, token: pod.automountServiceAccountToken }).toEqual({
        id,
        links: false,
        token: false,
      });
      expect({
        id,
        nonRoot: pod.securityContext?.runAsNonRoot,
        seccomp: pod.securityContext?.seccompProfile?.type,
      }).toEqual({
        id,
        nonRoot: true,
        seccomp: 'RuntimeDefault',
      });
      for (const c of containersOf(w)) {
        expect({ id, c: c.name, sc: c.securityContext }).toEqual({
          id,
          c: c.name,
          sc: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            capabilities: { drop: ['ALL'] },
          },
        });
        expect({
          id,
          c: c.name,
          memoryLimit: c.resources?.limits?.memory !== undefined,
          memoryRequest: c.resources?.requests?.memory !== undefined,
        }).toEqual({
          id,
          c: c.name,
          memoryLimit: true,
          memoryRequest: true,
        });
      }
      // Our images run tsx, which keeps its transpile cache in /tmp: it must be writable.
      if (
        containersOf(w).some(
          (c) =>
            String(c.image).startsWith('text-image-text/') &&
            !c.name.startsWith('wait-') &&
            c.name !== 'seed',
        )
      ) {
        const tmp = pod.volumes.find(
          (v: Manifest) =>
            v.emptyDir &&
            mainContainer(w).volumeMounts.some((m: Manifest) => m.name === v.name && m.mountPath === '/tmp'),
        );
        expect({ id, tmp: Boolean(tmp) }).toEqual({ id, tmp: true });
      }
    }
  });

  it('runs the images’ own entry points (Dockerfile targets) and the search wrapper execs the same command', () => {
    const dockerfile = readDockerfile();
    for (const w of workloads(docs))
      for (const c of containersOf(w)) {
        const m = /^text-image-text\/([a-z]+)$/.exec(String(c.image).replace(/:[\w.-]+$/, ''));
        if (!m) continue;
        expect(dockerfile.stage(m[1]).name).toBe(m[1]);
      }
    const search = find(docs, 'StatefulSet', 'search')!;
    const cmd = dockerfile.stage('search').instructions.find((i) => i.keyword === 'CMD')!;
    expect(mainContainer(search).args[0]).toMatch(
      new RegExp(`exec ${execForm(cmd)!.join(' ').replace(/[.]/g, '\\.')}$`),
    );
  });

  it('runs search as a StatefulSet whose pod 0 is the writer, with snapshots on a shared volume', () => {
    const sts = find(docs, 'StatefulSet', 'search')!;
    const headless = find(docs, 'Service', sts.spec.serviceName)!;
    expect(headless.spec.clusterIP).toBe('None');
    expect(config.SEARCH_ADDR).toBe(`dns:///${sts.spec.serviceName}:${config.SEARCH_PORT}`);
    expect(config.SEARCH_WRITER_ADDR).toBe(
      `dns:///${sts.metadata.name}-0.${sts.spec.serviceName}:${config.SEARCH_PORT}`,
    );
    const script = mainContainer(sts).args[0] as string;
    expect(script).toContain('*-0) export SEARCH_ROLE=writer');
    expect(script).toContain('export SEARCH_ROLE=replica');
    expect(mainContainer(sts).env).toEqual(
      expect.arrayContaining([{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }]),
    );
    const claim = podSpecOf(sts).volumes.find((v: Manifest) => v.name === 'snapshots').persistentVolumeClaim
      .claimName;
    expect(find(docs, 'PersistentVolumeClaim', claim)!.spec.accessModes).toEqual(['ReadWriteMany']);
    expect(mainContainer(sts).volumeMounts).toEqual(
      expect.arrayContaining([{ name: 'snapshots', mountPath: config.SEARCH_SNAPSHOT_DIR }]),
    );
    for (const p of ['startupProbe', 'readinessProbe', 'livenessProbe'])
      expect(mainContainer(sts)[p].grpc).toEqual({ port: Number(config.SEARCH_PORT) });
  });

  it('configures only variables some process reads, with ports that match the containers', () => {
    const readers = {
      ...Object.assign({}, ...Object.values(SCHEMAS)),
      ...modelsSchema,
      MODELS_PULL: 1,
      MODELS_REVISION: 1,
    } as Record<string, unknown>;
    expect(Object.keys(config).filter((k) => !(k in readers))).toEqual([]);
    expect(mainContainer(find(docs, 'Deployment', 'gateway')!).ports).toEqual([
      { name: 'http', containerPort: Number(config.GATEWAY_PORT) },
    ]);
    expect(mainContainer(find(docs, 'Deployment', 'indexer')!).ports[0].containerPort).toBe(
      Number(config.INDEXER_PORT),
    );
    expect(config.REDIS_URL).toBe(
      `redis://${find(docs, 'Service', 'redis')!.metadata.name}:${find(docs, 'Service', 'redis')!.spec.ports[0].port}`,
    );
  });

  it('probes the gateway over HTTP: liveness /healthz, readiness /readyz', () => {
    const gw = mainContainer(find(docs, 'Deployment', 'gateway')!);
    expect(gw.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(gw.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(gw.env).toEqual(
      expect.arrayContaining([
        {
          name: 'ADMIN_API_KEY',
          valueFrom: {
            secretKeyRef: { name: expect.stringMatching(/^tit-secrets/) as unknown, key: 'ADMIN_API_KEY' },
          },
        },
      ]),
    );
  });

  (HAS_KUBECTL ? it : it.skip)(
    'reads the same objects from the files as kubectl renders (the fallback used without kubectl is faithful)',
    () => {
      const key = (d: Manifest) => `${d.kind}/${baseName(d)}`;
      expect(readBaseFiles().map(key).sort()).toEqual(kustomize('infra/base').map(key).sort());
    },
  );
});

(HAS_KUBECTL ? describe : describe.skip)('Kubernetes overlays/local (kubectl kustomize)', () => {
  const local = HAS_KUBECTL ? kustomize('infra/overlays/local') : [];

  it('validates against the Kubernetes API schemas', () => {
    const results = validateManifests(local);
    expect(results.filter((r) => !r.ok).map((r) => `${r.kind}/${r.name}: ${r.errors.join('; ')}`)).toEqual(
      [],
    );
    expect(results.length).toBe(docs.length + 2); // + Namespace and Secret
  });

  it('puts every object in its namespace, and every reference resolves to an object of the render', () => {
    const ns = find(local, 'Namespace', 'text-image-text')!;
    expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    for (const d of local.filter((x) => !['Namespace'].includes(x.kind)))
      expect(`${d.kind}/${d.metadata.name}:${d.metadata.namespace}`).toBe(
        `${d.kind}/${d.metadata.name}:text-image-text`,
      );
    const has = (kind: string, name: string) =>
      local.some((d) => d.kind === kind && d.metadata.name === name);
    const missing: string[] = [];
    for (const w of workloads(local)) {
      for (const v of podSpecOf(w).volumes ?? [])
        if (v.persistentVolumeClaim && !has('PersistentVolumeClaim', v.persistentVolumeClaim.claimName))
          missing.push(`${w.metadata.name}: pvc ${v.persistentVolumeClaim.claimName}`);
      for (const c of containersOf(w)) {
        for (const e of c.envFrom ?? [])
          if (e.configMapRef && !has('ConfigMap', e.configMapRef.name))
            missing.push(`${w.metadata.name}: configmap ${e.configMapRef.name}`);
        for (const e of c.env ?? []) {
          const ref = e.valueFrom?.secretKeyRef;
          if (ref && !ref.optional) {
            const secret = local.find((d) => d.kind === 'Secret' && d.metadata.name === ref.name);
            if (!secret || !(ref.key in (secret.data ?? {})))
              missing.push(`${w.metadata.name}: secret ${ref.name}/${ref.key}`);
          }
        }
      }
    }
    for (const d of local.filter((x) => x.kind === 'HorizontalPodAutoscaler'))
      if (!has(d.spec.scaleTargetRef.kind, d.spec.scaleTargetRef.name))
        missing.push(`hpa ${d.metadata.name}`);
    for (const d of local.filter((x) => x.kind === 'Service'))
      if (!workloads(local).some((w) => labelsMatch(d.spec.selector, w.spec.template.metadata.labels)))
        missing.push(`service ${d.metadata.name} selects no pods`);
    expect(missing).toEqual([]);
  });

  it('uses locally built images, single-node volumes and small autoscaling ranges', () => {
    for (const w of workloads(local))
      for (const c of containersOf(w))
        if (String(c.image).startsWith('text-image-text/')) expect(c.image).toMatch(/:local$/);
    for (const pvc of local.filter((d) => d.kind === 'PersistentVolumeClaim'))
      expect(pvc.spec.accessModes).toEqual(['ReadWriteOnce']);
    for (const hpa of local.filter((d) => d.kind === 'HorizontalPodAutoscaler'))
      expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([1, 3]);
  });
});

it('documents the kustomize layout it checks', () => {
  expect(readRepoFile('infra/README.md')).toContain('kubectl apply -k infra/overlays/local');
});
