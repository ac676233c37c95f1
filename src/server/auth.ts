import type { FastifyRequest } from 'fastify';
import type { AccountDirectory, Actor } from '../reader/accounts';
import { OqsError } from '../reader/errors';

/** HTTP Basic against the terminal's accounts. The web screen's sessions build on this later. */
export function actorOf(req: FastifyRequest, accounts: AccountDirectory): Actor {
  const header = req.headers.authorization;
  if (!header || !header.startsWith('Basic ')) throw new OqsError('OQS_ERR_UNAUTHENTICATED');
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1) throw new OqsError('OQS_ERR_UNAUTHENTICATED');
  const actor = accounts.verify(decoded.slice(0, colon), decoded.slice(colon + 1));
  if (!actor) throw new OqsError('OQS_ERR_BAD_CREDENTIALS');
  return actor;
}
