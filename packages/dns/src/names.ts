/** A name in the form used for comparisons: lower case, no trailing dot. */
export function normalizeName(name: string): string {
  return name.replace(/\.+$/, '').toLowerCase();
}

/** Number of labels in a name (`svc.ns` → 2); the root name has none. */
export function labelCount(name: string): number {
  const bare = name.replace(/\.+$/, '');
  return bare === '' ? 0 : bare.split('.').length;
}

/**
 * Removes the first of the laptop's search domains that the name ends with: the laptop's resolver appended
 * it (`svc` → `svc.corp.example`), the cluster never knew it. A name equal to a domain is left alone.
 */
export function stripSearchDomains(name: string, domains: readonly string[]): string {
  const bare = name.replace(/\.+$/, '');
  const lower = bare.toLowerCase();
  for (const domain of domains) {
    const suffix = `.${normalizeName(domain)}`;
    if (suffix.length > 1 && lower.endsWith(suffix) && lower.length > suffix.length) return bare.slice(0, -suffix.length);
  }
  return bare;
}

/**
 * The names to ask the cluster DNS for, in order, given the pod's search list
 * `[<ns>.svc.<domain>, svc.<domain>, <domain>]` (s0, s1, s2). By label count: 1 → +s0, as is;
 * 2 → +s1, +s0, as is; 3 → as is, +s1, +s2; 4 → as is, +s2; more → as is. (KtConnect's rules.)
 */
export function expandName(name: string, search: readonly string[]): string[] {
  const bare = name.replace(/\.+$/, '');
  const plus = (i: number): string[] => {
    const suffix = search[i] ? normalizeName(search[i]) : '';
    return suffix ? [`${bare}.${suffix}`] : [];
  };
  switch (labelCount(bare)) {
    case 0:
      return [bare];
    case 1:
      return [...plus(0), bare];
    case 2:
      return [...plus(1), ...plus(0), bare];
    case 3:
      return [bare, ...plus(1), ...plus(2)];
    case 4:
      return [bare, ...plus(2)];
    default:
      return [bare];
  }
}
