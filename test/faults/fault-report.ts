/**
 * Every fault scenario reports one line in the same shape, so a CI log reads as a table:
 *   FAULT | scenario | trials | lost | duplicated | time to recover
 */
export interface FaultOutcome {
  scenario: string;
  trials: number;
  lost: number;
  duplicated: number;
  /** Seconds from the end of the fault until the service was whole again; null where nothing had to recover. */
  recoveredS: number | null;
  /** Anything else worth a reader's attention (flagged emails, 503 counts...). */
  detail?: string;
}

export function reportFault(outcome: FaultOutcome): void {
  const recovered = outcome.recoveredS === null ? '-' : `${outcome.recoveredS.toFixed(1)} s`;
  const cells = [
    'FAULT',
    outcome.scenario,
    `trials ${outcome.trials}`,
    `lost ${outcome.lost}`,
    `duplicated ${outcome.duplicated}`,
    `recovered ${recovered}`,
  ];
  if (outcome.detail) cells.push(outcome.detail);
  console.log(cells.join(' | '));
}
