/**
 * Scheduled jobs: `schedule` (five-field unix-cron) and `timeZone` on a job,
 * refused on a service; every malformed value refused with its path and fix;
 * the scheduler account may only run its own job, so a role that also
 * overrides what the job runs is refused, by the config and by PrivateJob.
 */
import * as pulumi from "@pulumi/pulumi";
import * as path from "node:path";
import { parseStackConfig } from "../../config";
import { cronProblem, timeZoneProblem } from "../../config/scheduleKeys";
import { PrivateJob } from "../../components/privateJob";
import type { StackConfig } from "../../contract";
import { createMocks } from "../../offline/mocks";
import { expectRefusedBeforeRegistering } from "../support/configHarness";

const base: StackConfig = { "gcp:project": "my-gcp-project", "gcp:region": "asia-east1" };
const svc = (extra: Record<string, unknown>) => ({ ...base, "private-cloud-run:services": [{ name: "hello", source: "./app", invokers: ["user:a@example.com"], ...extra }] });
const job = (extra: Record<string, unknown>) => ({ ...base, "private-cloud-run:jobs": [{ name: "nightly", source: "./app", invokers: ["user:a@example.com"], ...extra }] });
const J = "private-cloud-run:jobs[0]";

/** [description, config, path, value, message fragment] */
const BAD: [string, StackConfig, string, unknown, RegExp][] = [
  ["a schedule on a service", svc({ schedule: "0 3 * * *" }), "private-cloud-run:services[0].schedule", "0 3 * * *", /is a job setting; this stack schedules jobs only/],
  ["a time zone on a service", svc({ timeZone: "Etc/UTC" }), "private-cloud-run:services[0].timeZone", "Etc/UTC", /is a job setting/],
  ["a cron macro", job({ schedule: "@daily" }), `${J}.schedule`, "@daily", /holds characters cron does not use/],
  ["Cloud Scheduler's English form", job({ schedule: "every 5 minutes" }), `${J}.schedule`, "every 5 minutes", /holds characters cron does not use/],
  ["four fields", job({ schedule: "0 3 * *" }), `${J}.schedule`, "0 3 * *", /is not a five-field cron schedule/],
  ["six fields (seconds)", job({ schedule: "0 0 3 * * *" }), `${J}.schedule`, "0 0 3 * * *", /five-field/],
  ["two spaces between fields", job({ schedule: "0  3 * * *" }), `${J}.schedule`, "0  3 * * *", /one space apart/],
  ["a newline after the schedule", job({ schedule: "0 3 * * *\n" }), `${J}.schedule`, "0 3 * * *\n", /holds characters cron does not use/],
  ["a shell command after the schedule", job({ schedule: "0 3 * * * ; curl evil" }), `${J}.schedule`, "0 3 * * * ; curl evil", /holds characters cron does not use/],
  ["hour 25", job({ schedule: "0 25 * * *" }), `${J}.schedule`, "0 25 * * *", /the hour field has "25"; the hour is 0-23/],
  ["minute 60", job({ schedule: "60 * * * *" }), `${J}.schedule`, "60 * * * *", /the minute field has "60"/],
  ["day 0 of the month", job({ schedule: "0 3 0 * *" }), `${J}.schedule`, "0 3 0 * *", /the day of the month is 1-31/],
  ["a lower-case day name", job({ schedule: "0 3 * * mon" }), `${J}.schedule`, "0 3 * * mon", /holds characters cron does not use/],
  ["an unknown month name", job({ schedule: "0 3 * JAN-XYZ *" }), `${J}.schedule`, "0 3 * JAN-XYZ *", /the month field has "XYZ"; the month is 1-12 or JAN-DEC/],
  ["a step of 0", job({ schedule: "*/0 * * * *" }), `${J}.schedule`, "*/0 * * * *", /the minute field has the step "0"/],
  ["a step after a single value", job({ schedule: "5/10 * * * *" }), `${J}.schedule`, "5/10 * * * *", /a step after a single value/],
  ["a backwards range", job({ schedule: "0 3 * * 5-1" }), `${J}.schedule`, "0 3 * * 5-1", /the range 5-1, which runs backwards/],
  ["the last day of the month (L)", job({ schedule: "0 3 L * *" }), `${J}.schedule`, "0 3 L * *", /the day of the month field has "L"/],
  ["a schedule that is a number", job({ schedule: 5 }), `${J}.schedule`, 5, /must be a cron schedule in quotes/],
  ["an offset as the time zone", job({ schedule: "0 3 * * *", timeZone: "+01:00" }), `${J}.timeZone`, "+01:00", /not a time zone name; .*\(not an offset\)/],
  ["a made-up time zone", job({ schedule: "0 3 * * *", timeZone: "Mars/Olympus_Mons" }), `${J}.timeZone`, "Mars/Olympus_Mons", /not a time zone of the tz database/],
  ["a time zone in the wrong case", job({ schedule: "0 3 * * *", timeZone: "europe/paris" }), `${J}.timeZone`, "europe/paris", /wrong case; write Europe\/Paris/],
  ["a time zone without a schedule", job({ timeZone: "Europe/Paris" }), `${J}.timeZone`, "Europe/Paris", /has no schedule to apply to/],
  [
    "a schedule with the role that overrides what the job runs",
    job({ schedule: "0 3 * * *", invokerRole: "roles/run.jobsExecutorWithOverrides" }),
    `${J}.schedule`,
    "0 3 * * *",
    /would give the job's scheduler account roles\/run.jobsExecutorWithOverrides, which also overrides the job's command, args and env/,
  ],
  [
    "1,500 invokers plus the scheduler account",
    { ...job({ schedule: "0 3 * * *", invokers: ["many"] }), "private-cloud-run:principals": { many: Array.from({ length: 1500 }, (_, i) => `user:u${i}@example.com`) } },
    `${J}.invokers`,
    ["many"],
    /grants 1501 principals/,
  ],
];

describe("schedules: refused with path, value and fix, nothing registered", () => {
  test.each(BAD)("%s", (_label, config, path, value, message) => expectRefusedBeforeRegistering(config, path, value, message));
});

describe("schedules: accepted", () => {
  test.each(["0 3 * * *", "*/15 * * * MON-FRI", "0 3 1,15 JAN-MAR SUN", "0 0 * * 7", "0-30/10 8-18 * * 1-5", "59 23 31 12 6"])("%s", (schedule) => {
    expect(cronProblem(schedule)).toBeUndefined();
  });

  test.each(["Etc/UTC", "UTC", "Europe/Paris", "America/Argentina/Buenos_Aires", "Etc/GMT+5"])("time zone %s", (timeZone) => {
    expect(timeZoneProblem(timeZone)).toBeUndefined();
  });

  test("a schedule reads in Etc/UTC unless a time zone is given; a job without one has none", () => {
    expect(parseStackConfig(job({ schedule: "0 3 * * *" })).jobs[0].schedule).toEqual({ cron: "0 3 * * *", timeZone: "Etc/UTC" });
    expect(parseStackConfig(job({ schedule: "0 3 * * *", timeZone: "Asia/Taipei" })).jobs[0].schedule).toEqual({ cron: "0 3 * * *", timeZone: "Asia/Taipei" });
    expect(parseStackConfig(job({})).jobs[0]).not.toHaveProperty("schedule");
  });
});

describe("PrivateJob used directly", () => {
  beforeAll(async () => {
    const mocks = createMocks({ rootDir: path.resolve(__dirname, "../.."), project: "my-gcp-project", region: "asia-east1", stack: "direct" });
    await pulumi.runtime.setMocks(mocks, "private-cloud-run", "direct", false);
  });

  test("refuses a schedule with the overrides role before registering anything", () => {
    const args = { project: "my-gcp-project", region: "asia-east1", image: "x@sha256:0", invokers: ["user:a@example.com"] };
    expect(() => new PrivateJob("direct", { ...args, schedule: { cron: "0 3 * * *", timeZone: "Etc/UTC" }, invokerRole: "roles/run.jobsExecutorWithOverrides" })).toThrow(
      /scheduler account would get roles\/run.jobsExecutorWithOverrides/,
    );
  });
});
