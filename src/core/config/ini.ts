/** Sections of an INI file: section name -> (lower-cased key -> value). */
export type Ini = Map<string, Map<string, string>>;

/**
 * The INI that gcloud's configurations and the Azure CLI's `config` / `clouds.config` use (both
 * Python configparser files): `[section]`, `key = value` or `key: value`; `#`/`;` comment lines.
 */
export function parseIni(text: string): Ini {
  const sections: Ini = new Map();
  let current: Map<string, string> | undefined;
  for (const line of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) continue;
    const header = /^\[\s*([^\]]+?)\s*\]$/.exec(trimmed);
    if (header) {
      current = sections.get(header[1]) ?? new Map<string, string>();
      sections.set(header[1], current);
      continue;
    }
    const setting = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(trimmed);
    if (current && setting) current.set(setting[1].trim().toLowerCase(), setting[2].trim());
  }
  return sections;
}
