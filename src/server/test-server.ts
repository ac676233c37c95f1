/**
 * A server on a virtual clock with an emulated reader, for the server's tests (not a test file
 * itself). Accounts are made by the caller: scrypt is slow, so once per file.
 */
import type { OutgoingHttpHeaders } from 'node:http';
import { assemble, embeddedReaders } from '../assembly';
import type { AccountDirectory } from '../reader/accounts';
import { MemoryStore } from '../reader/store';
import { VirtualClock } from '../time/virtual-clock';
import type { ServerOptions } from './app';

export const basic = (user: string, pass: string) => 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64');

export interface Reply {
  status: number;
  body: Record<string, unknown>;
  headers: OutgoingHttpHeaders;
  text: string;
  cookies: Array<{ name: string; value: string; [k: string]: unknown }>;
}

/** `emulated`: the API gets the emulator's controls, as src/main.ts gives them. */
export async function testServer(
  t: { after: (fn: () => Promise<void>) => void },
  accounts: AccountDirectory,
  opts: Partial<ServerOptions> & { emulated?: boolean } = {},
) {
  const clock = new VirtualClock(Date.UTC(2026, 10, 24, 1, 0));
  // The controller as the product assembles it, on the virtual clock (src/assembly.ts).
  const embedded = embeddedReaders(clock, 1);
  const { emulated, ...options } = opts;
  const emulator = emulated ? embedded.controls : undefined;
  const assembly = assemble({ clock, store: new MemoryStore(), readers: embedded.ports, api: { accounts, publicDir: false, emulator, ...options } });
  await clock.resolve(assembly.firstAttempts);
  const { terminal } = assembly;
  const app = assembly.app!;
  t.after(() => assembly.close());
  const call = async (
    method: string,
    url: string,
    o: { auth?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
  ): Promise<Reply> => {
    const hasBody = o.body !== undefined || o.raw !== undefined;
    const res = await clock.resolve(
      app.inject({
        method: method as 'GET',
        url,
        headers: { ...(o.auth ? { authorization: o.auth } : {}), ...(hasBody ? { 'content-type': 'application/json' } : {}), ...o.headers },
        payload: o.raw ?? (o.body === undefined ? undefined : JSON.stringify(o.body)),
      }),
    );
    let body: Record<string, unknown> = {};
    try {
      body = res.json() as Record<string, unknown>;
    } catch {
      /* not JSON: the test looks at text */
    }
    await clock.runUntilIdle();
    return { status: res.statusCode, body, headers: res.headers, text: res.body, cookies: res.cookies };
  };
  const login = (account: string, password: string) => call('POST', '/api/session', { body: { account, password } });
  return { clock, terminal, reader: embedded.readers[0]!, app, call, login };
}
