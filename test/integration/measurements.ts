/** Figures the suite measures (not asserts) and the launcher prints, e.g. activation time. */
export const measurements = new Map<string, number>();
