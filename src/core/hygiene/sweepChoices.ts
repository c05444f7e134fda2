import type { Orphan, OrphanScan } from './orphanTypes';
import { otherOwnerLabel } from './orphanLabels';

export interface SweepChoice {
  readonly orphan: Orphan;
  /** Ticked when the pick opens: only this installation's own orphans are. */
  readonly picked: boolean;
  /** Why it is offered; for another owner's, also whose it is. */
  readonly detail: string;
}

export interface SweepSection {
  readonly title: string;
  readonly choices: readonly SweepChoice[];
}

export const OWN_SECTION_TITLE = 'Launched from this Spotbox installation';
export const OTHER_OWNERS_SECTION_TITLE = 'Not launched from this installation: not ticked, tick only what you know is yours';

/**
 * The sweep's pick, editor-free: this installation's orphans, ticked, then other owners' (another
 * installation, a colleague, an older Spotbox) in a section of their own, never ticked — deleting
 * them is a choice the user makes item by item. Empty sections are left out.
 */
export function sweepSections(scan: Pick<OrphanScan, 'orphans' | 'otherOwners'>, context: { readonly osUserName?: string | undefined } = {}): SweepSection[] {
  const sections: SweepSection[] = [
    { title: OWN_SECTION_TITLE, choices: scan.orphans.map((orphan) => ({ orphan, picked: true, detail: orphan.reason })) },
    {
      title: OTHER_OWNERS_SECTION_TITLE,
      choices: scan.otherOwners.map((orphan) => ({ orphan, picked: false, detail: `${otherOwnerLabel(orphan.owner, context.osUserName)}; ${orphan.reason}` })),
    },
  ];
  return sections.filter((section) => section.choices.length > 0);
}
