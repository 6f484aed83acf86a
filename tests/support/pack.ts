/**
 * The policy pack as the engine starts it, shared by the suites of one spec file: one process per
 * file instead of one per `describe`. Each suite that calls `use` gets the engine's start-up
 * sequence with its own config before its tests; the pack stops after the file's last such suite.
 * Starting waits as long as the machine's load needs (patience.js); a start that outlives its hook's
 * budget is still stopped, and the pack leads its own process group, killed at this process's exit
 * at the latest (cli/engine/process-group.ts): no pack outlives its test process.
 */
import {
  PackClient,
  type Level,
  type PolicyConfigSpec,
  type StartOptions,
} from "../../cli/engine/pack-client";
import { patient } from "./patience";

export type PackConfig = Record<string, PolicyConfigSpec | Level>;

/** Budget for starting and initialising a pack on an idle machine (about 1 s there). */
const START_MS = 30_000;

export class SharedPack {
  private starting: Promise<PackClient> | undefined;
  private started: PackClient | undefined;
  /** Suites registered with `use` whose `after` has not run yet. */
  private suitesLeft = 0;
  /** Whether the pack was given a config, which a later suite without one must reset. */
  private configured = false;

  constructor(private readonly options: StartOptions = {}) {}

  /** The started pack, for the tests of a suite that called `use`. */
  get client(): PackClient {
    if (this.started === undefined) throw new Error("the pack is not started: call use() in the describe");
    return this.started;
  }

  /**
   * In the calling `describe`: start the pack (once for the file), run the engine's start-up
   * sequence with `config`, and with `eachTest` Configure it again before each test (for tests that
   * change the config). Stops the pack after the file's last suite.
   */
  use(config?: PackConfig, { eachTest = false }: { eachTest?: boolean } = {}): void {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- inside the hooks, `this` is Mocha's
    const shared = this;
    shared.suitesLeft++;
    before(async function () {
      this.timeout(patient(START_MS));
      await shared.start(config);
    });
    if (eachTest) beforeEach(async () => shared.client.configure(config ?? {}));
    after(async function () {
      this.timeout(patient(START_MS));
      if (--shared.suitesLeft === 0) await shared.stop();
    });
  }

  /** Starts the pack if need be and runs the engine's start-up sequence with `config`. */
  async start(config?: PackConfig): Promise<void> {
    // A start that hangs is given up (and its process group killed) rather than awaited forever.
    this.starting ??= PackClient.start({ readyWithinMs: patient(START_MS), ...this.options });
    this.started = await this.starting;
    await this.started.initialise(config ?? (this.configured ? {} : undefined));
    this.configured = config !== undefined;
  }

  /** Stops the pack, also one whose start is still under way (its hook ran out of time). */
  async stop(): Promise<void> {
    const starting = this.starting;
    this.starting = this.started = undefined;
    const client = await starting?.catch(() => undefined);
    await client?.stop();
  }
}

/** A pack for the calling `describe` alone: `new SharedPack(options)` used by that suite. */
export function suitePack(config?: PackConfig, options: StartOptions = {}): SharedPack {
  const pack = new SharedPack(options);
  pack.use(config);
  return pack;
}
