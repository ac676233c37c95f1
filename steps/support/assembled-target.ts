import { assemble, type Assembly, type AssemblyOptions } from '../../src/assembly';
import type { TerminalStore } from '../../src/reader/store';
import type { Terminal } from '../../src/reader/terminal';
import type { Clock } from '../../src/time/clock';
import { EmulatedEligibility } from '../../simulator/eligibility';
import type { Installation } from './target';

/**
 * What the in-process and serial targets share: the controller is the product's own assembly
 * (src/assembly.ts) of the installation start() was given, built again on restart.
 */
export abstract class AssembledTarget {
  abstract readonly clock: Clock;
  protected install: Installation | null = null;
  protected store: TerminalStore | null = null;
  protected assembly: Assembly | null = null;

  async restart(observe: (t: Terminal) => void): Promise<Terminal> {
    await this.assembly?.close();
    return this.connect(observe);
  }

  resultFiles(): string[] {
    return this.assembly?.results?.written.map((w) => w.path) ?? [];
  }

  async stop(): Promise<void> {
    await this.assembly?.close();
  }

  /** Brings the controller up for the installation start() recorded (at start and on restart). */
  protected abstract connect(observe: (t: Terminal) => void): Promise<Terminal>;

  protected installed(): { install: Installation; store: TerminalStore } {
    const { install, store } = this;
    if (!install || !store) throw new Error('start() first');
    return { install, store };
  }

  /** The controller as the product builds it (src/assembly.ts) over `readers`. */
  protected build(opts: Required<Pick<AssemblyOptions, 'readers' | 'link' | 'observe'>>): Assembly {
    const { install, store } = this.installed();
    this.assembly = assemble({
      clock: this.clock,
      store,
      readers: opts.readers,
      generalReaders: install.generalReaders,
      readerSoftwareInstalled: install.readerSoftwareInstalled,
      // The emulated eligibility service knows the emulator's cards (in this process or on the pty).
      results: install.results && { ...install.results, eligibility: new EmulatedEligibility({ clock: this.clock }) },
      link: opts.link,
      observe: opts.observe,
    });
    return this.assembly;
  }
}
