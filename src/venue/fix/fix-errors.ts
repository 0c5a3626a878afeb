import { LegatoError } from '../../domain/errors.js';

/* The FIX venue's errors (fix-venue.ts and fix-requests.ts throw them; fix-venue.ts exports them). */

/** The FIX venue could not log on, or a request to it failed. */
export class FixVenueError extends LegatoError {
  override name = 'FixVenueError';
}

/**
 * TLS with the counterparty failed: its certificate not trusted (a wrong CA, a self-signed certificate), not for
 * the name asked, expired; or the handshake refused (our client certificate missing or not trusted there).
 */
export class FixTlsError extends FixVenueError {
  override name = 'FixTlsError';
}

/**
 * The counterparty refused our Logon as "MsgSeqNum too low" again after we resumed from the number it said it
 * expects: the two sides' sequence numbers need an operator (the counterparty's reset, or ours).
 */
export class FixSequenceError extends FixVenueError {
  override name = 'FixSequenceError';
}
