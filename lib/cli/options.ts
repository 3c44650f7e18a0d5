import { InvalidArgumentError } from "commander";

/**
 * A commander option parser for a whole number from `min` to `max` ("of seconds" etc. when a
 * unit is named); anything else is refused with the range before the command runs.
 */
export function intOption(min: number, max: number, unit?: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new InvalidArgumentError(
        `expected a whole number${unit ? ` of ${unit}` : ""} from ${min} to ${max}`,
      );
    }
    return Number(value);
  };
}
