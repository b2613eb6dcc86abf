/**
 * A job's `schedule` (unix-cron, five fields, as Cloud Scheduler reads it:
 * scheduler/docs/configuring/cron-job-schedules) and `timeZone` (a name of the
 * tz database). Checked field by field, so a value can only be what Cloud
 * Scheduler accepts: digits, names, `*`, `,`, `-`, `/` and single spaces,
 * nothing that could reach anything but the schedule.
 */
import { z } from "zod";

interface CronField {
  what: string;
  min: number;
  max: number;
  /** Names Cloud Scheduler accepts for this field (upper case, three letters), in value order from `min`. */
  names?: readonly string[];
}

const FIELDS: readonly CronField[] = [
  { what: "minute", min: 0, max: 59 },
  { what: "hour", min: 0, max: 23 },
  { what: "day of the month", min: 1, max: 31 },
  { what: "month", min: 1, max: 12, names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"] },
  // 0 and 7 are both Sunday.
  { what: "day of the week", min: 0, max: 7, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] },
];

const EXAMPLE = "e.g. 0 3 * * * (every day at 03:00) or */15 * * * MON-FRI";

/** A value of a field ("5", "MON"), or undefined when it is neither a number in range nor one of the field's names. */
function fieldValue(text: string, field: CronField): number | undefined {
  const named = field.names?.indexOf(text) ?? -1;
  if (named !== -1) return field.min + named;
  if (!/^\d{1,2}$/.test(text)) return undefined;
  const value = Number(text);
  return value >= field.min && value <= field.max ? value : undefined;
}

/** Why one comma-separated item of a field is not cron, or undefined. */
function itemProblem(item: string, field: CronField): string | undefined {
  const [range, step, extra] = item.split("/");
  if (extra !== undefined || step === "") return "has a malformed step; write */N or A-B/N";
  if (step !== undefined && (!/^\d{1,2}$/.test(step) || Number(step) < 1)) return `has the step ${JSON.stringify(step)}; a step is a whole number from 1`;
  if (range === "*") return undefined;
  const bounds = range.split("-");
  if (bounds.length > 2) return `has ${JSON.stringify(range)}, which is not a value or a range A-B`;
  if (step !== undefined && bounds.length === 1) return "has a step after a single value; write */N or A-B/N";
  const values = bounds.map((bound) => fieldValue(bound, field));
  const bad = bounds.find((_, i) => values[i] === undefined);
  if (bad !== undefined) {
    const names = field.names ? ` or ${field.names[0]}-${field.names[field.names.length - 1]}` : "";
    return `has ${JSON.stringify(bad)}; the ${field.what} is ${field.min}-${field.max}${names}`;
  }
  if (values.length === 2 && values[0]! > values[1]!) return `has the range ${range}, which runs backwards`;
  return undefined;
}

/** Why `schedule` is not a five-field unix-cron schedule Cloud Scheduler reads, or undefined. */
export function cronProblem(schedule: string): string | undefined {
  if (!/^[0-9A-Z*,/ -]+$/.test(schedule)) {
    return `holds characters cron does not use; write five fields of digits, names (MON, JAN), *, commas, dashes and slashes, ${EXAMPLE}`;
  }
  const fields = schedule.trim().split(/ +/);
  if (fields.length !== FIELDS.length || schedule !== fields.join(" ")) {
    return `is not a five-field cron schedule (minute hour day-of-month month day-of-week, one space apart); write ${EXAMPLE}`;
  }
  for (const [index, text] of fields.entries()) {
    for (const item of text.split(",")) {
      const problem = itemProblem(item, FIELDS[index]);
      if (problem !== undefined) return `is not a cron schedule: the ${FIELDS[index].what} field ${problem}`;
    }
  }
  return undefined;
}

/** Time zone names: tz database identifiers (Area/Location, Etc/GMT+5, UTC), not offsets. */
const TIME_ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/;

/** Why `timeZone` is not a tz database name, or undefined. Checked against the runtime's ICU data. */
export function timeZoneProblem(timeZone: string): string | undefined {
  const fix = "write a name of the tz database, e.g. Etc/UTC, Europe/Paris or America/New_York";
  if (!TIME_ZONE_NAME.test(timeZone)) return `is not a time zone name; ${fix} (not an offset)`;
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat("en-US", { timeZone }).resolvedOptions().timeZone;
  } catch {
    return `is not a time zone of the tz database; ${fix}`;
  }
  // ICU matches names without case; the tz database (and Cloud Scheduler) does not.
  if (resolved !== timeZone && resolved.toLowerCase() === timeZone.toLowerCase()) return `is written in the wrong case; write ${resolved}`;
  return undefined;
}

/** `schedule` of a job. */
export const scheduleSchema = z
  .string({ error: `must be a cron schedule in quotes; write ${EXAMPLE}` })
  .refine((schedule) => cronProblem(schedule) === undefined, { error: (issue) => cronProblem(String(issue.input)) });

/** `timeZone` of a scheduled job. */
export const timeZoneSchema = z
  .string({ error: "must be a time zone name; write e.g. Etc/UTC or Europe/Paris" })
  .refine((timeZone) => timeZoneProblem(timeZone) === undefined, { error: (issue) => timeZoneProblem(String(issue.input)) });
