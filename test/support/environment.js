// The suites' test environment: jest's node environment, minus one cost, plus one view.
//
// @pulumi/pulumi captures `new Error().stack` for every promise it tracks, a debugging
// aid it prints only when it reports leaked promises. Under jest every stack is source-
// mapped frame by frame (jest allows 100 frames in a test), which made those captures
// about a fifth of the whole suite's CPU. Stacks captured there are formatted the way
// V8 does by default (10 frames), and only if Pulumi prints them (DeferredStack); every
// other stack, including each failure jest reports, keeps jest's source-mapped format.
const { TestEnvironment } = require("jest-environment-node");

// Node's fetch (undici) keeps the process's dispatcher on the main realm's global under one
// of these symbols (….2 from undici 8 on); code in jest's sandbox, with a global of its own,
// would not see it. The client's per-attempt deadline needs the dispatcher fetch uses, so the
// sandbox's global reads and writes the main realm's, as code in a plain process does.
const UNDICI_GLOBAL_DISPATCHERS = [Symbol.for("undici.globalDispatcher.1"), Symbol.for("undici.globalDispatcher.2")];

const PULUMI_PROMISE_DEBUGGING = /[\\/]@pulumi[\\/]pulumi[\\/]runtime[\\/]debuggable\.js$/;

/** Node's default depth: jest's 100 frames are for the failures it reports. */
const PLAIN_FRAMES = 10;

function formatPlainly(error, frames) {
  return [String(error), ...frames.map((frame) => `    at ${frame}`)].join("\n");
}

/**
 * A captured stack that becomes text only when something turns it into a string (Pulumi
 * does, in a leaked-promise report): most of those captures are never read.
 */
class DeferredStack {
  constructor(error, frames) {
    this.head = String(error);
    this.frames = frames.slice(0, PLAIN_FRAMES);
  }
  toString() {
    return formatPlainly(this.head, this.frames);
  }
  [Symbol.toPrimitive]() {
    return this.toString();
  }
}

class PulumiTestEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    // Node asks the error's own realm first, then the main realm, where jest installs
    // its source-mapping formatter after this constructor has run: look it up per call.
    this.global.Error.prepareStackTrace = (error, frames) => {
      if (PULUMI_PROMISE_DEBUGGING.test(frames[0]?.getFileName() ?? "")) return new DeferredStack(error, frames);
      const mapped = Error.prepareStackTrace;
      return typeof mapped === "function" ? mapped(error, frames) : formatPlainly(error, frames);
    };
    for (const symbol of UNDICI_GLOBAL_DISPATCHERS) {
      Object.defineProperty(this.global, symbol, {
        get: () => globalThis[symbol],
        set: (dispatcher) => {
          globalThis[symbol] = dispatcher;
        },
        configurable: true,
      });
    }
  }
}

module.exports = PulumiTestEnvironment;
