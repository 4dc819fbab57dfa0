// Manual mode: only a shadow pod, labelled like the original pods plus `<key>=<value>`; the user's own mesh
// (an Istio DestinationRule subset on that label, say) decides which requests reach it.
import type { MeshPlan } from './mesh.js';

/** Labels a controller puts on each pod; copying them would tie the shadow to that controller's bookkeeping. */
const CONTROLLER_LABELS = [
  'pod-template-hash',
  'controller-revision-hash',
  'statefulset.kubernetes.io/pod-name',
  'apps.kubernetes.io/pod-index',
  'batch.kubernetes.io/controller-uid',
  'controller-uid',
];

/** The shadow's labels: an original pod's (the selector's when none runs), the version label last. */
export function manualLabels(plan: Pick<MeshPlan, 'pods' | 'selector' | 'mark'>): Record<string, string> {
  const source = plan.pods[0]?.metadata.labels ?? plan.selector;
  const labels = Object.fromEntries(Object.entries({ ...plan.selector, ...source }).filter(([k]) => !CONTROLLER_LABELS.includes(k)));
  return { ...labels, [plan.mark.key]: plan.mark.value };
}
