/**
 * Visual Studio's maintainability index on the 0–100 scale:
 * MAX(0, (171 − 5.2·ln V − 0.23·G − 16.2·ln LOC)·100/171), clamped to 100 when V or LOC is 0.
 */
export function visualStudioMaintainability(
  volume: number,
  complexity: number,
  linesOfCode: number,
): number {
  if (volume <= 0 || linesOfCode <= 0) return 100
  const raw =
    ((171 - 5.2 * Math.log(volume) - 0.23 * complexity - 16.2 * Math.log(linesOfCode)) * 100) / 171
  return Math.round(Math.min(100, Math.max(0, raw)) * 100) / 100
}

/** radon's and Visual Studio's bands: A above 19, B 10–19, C 9 and below. */
export function maintainabilityRank(index: number): 'A' | 'B' | 'C' {
  return index > 19 ? 'A' : index > 9 ? 'B' : 'C'
}
