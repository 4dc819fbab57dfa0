/** What a pod's /etc/resolv.conf says about DNS. */
export interface ResolvConf {
  nameservers: string[];
  search: string[];
  ndots?: number;
}

/** Parses resolv.conf text; later `search` lines replace earlier ones, as the libc resolver does. */
export function parseResolvConf(text: string): ResolvConf {
  const conf: ResolvConf = { nameservers: [], search: [] };
  for (const raw of text.split('\n')) {
    const [keyword, ...args] = raw
      .replace(/[#;].*$/, '')
      .trim()
      .split(/\s+/);
    if (keyword === 'nameserver' && args[0]) conf.nameservers.push(args[0]);
    else if (keyword === 'search' || keyword === 'domain') conf.search = args.filter(Boolean);
    else if (keyword === 'options') {
      const ndots = args.find((a) => a.startsWith('ndots:'));
      if (ndots) conf.ndots = Number(ndots.slice(6));
    }
  }
  return conf;
}
