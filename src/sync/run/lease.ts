/**
 * Who runs a job: processes and app instances sharing one store take a lease on a job before
 * writing it, and renew it while they run, so one job never has two writers (which could write a
 * quote twice). A holder that died is recognised at once when it ran on this host (its process
 * is gone); elsewhere its lease runs out after the TTL.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { JobBusyError, LeaseLostError } from '../../errors.js';
import type { JobStore, LeaseResult } from '../../store/index.js';

/** A lease lasts this long without renewal; it is renewed every third of it. */
export const DEFAULT_LEASE_TTL_MS = 60_000;

/** Owners created by this process that are still alive (a process can hold several, e.g. tests). */
const LIVE_OWNERS = new Set<string>();

/** `host:pid:random`: where the holder runs, and which incarnation it is. */
export function newOwnerId(): string {
  const owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  LIVE_OWNERS.add(owner);
  return owner;
}

/**
 * Whether a holder is certainly gone: on this host, its process no longer exists, or it has this
 * process's pid but is not one of its live owners (a previous process that had the same pid, as
 * after a container restart). Holders on other hosts are never judged: their leases run out.
 */
export function isGoneOwner(holder: string, probe: (pid: number) => boolean = processExists): boolean {
  const [host, pidText] = holder.split(':');
  const pid = Number(pidText);
  if (host !== hostname() || !Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return !LIVE_OWNERS.has(holder);
  return !probe(pid);
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface HeldLease {
  /** Aborts when the lease is lost (another holder took it after this one failed to renew in time). */
  readonly lost: AbortSignal;
  /**
   * Call right before each write: throws (and aborts `lost`) when, by this process's clock, the
   * lease may have run out: the process stalled (a pause of the machine, a stopped process) or
   * could not renew it, so another holder may be writing the job now. A renewal timer that has not
   * fired yet after such a stall would say so too late.
   */
  check(): void;
  /** Gives the lease up; never fails (a lease the store could not drop runs out by itself). */
  release(): Promise<void>;
}

/** A write is stopped this share of the lease before it may run out (a request takes time to arrive). */
const CHECK_MARGIN = 0.1;

/** Where leases of one kind are kept, by key: jobs (`store.leases`), waits on Gumloop runs (`store.gumloopWaits`). */
export interface LeaseBook {
  acquire(key: string, owner: string, ttlMs: number, isGone: (holder: string) => boolean): Promise<LeaseResult>;
  release(key: string, owner: string): Promise<void>;
}

/** Takes the job's lease and keeps renewing it until released; throws JobBusyError while another holder has it. */
export function holdLease(store: JobStore, jobId: string, owner: string, ttlMs = DEFAULT_LEASE_TTL_MS): Promise<HeldLease> {
  return holdLeaseIn(store.leases, jobId, owner, ttlMs);
}

/** `holdLease` for any book of leases: JobBusyError and LeaseLostError then name its key. */
export async function holdLeaseIn(book: LeaseBook, jobId: string, owner: string, ttlMs = DEFAULT_LEASE_TTL_MS): Promise<HeldLease> {
  const first = await book.acquire(jobId, owner, ttlMs, (holder) => isGoneOwner(holder));
  if (!first.ok) throw new JobBusyError(jobId, first.expiresAt);
  const lost = new AbortController();
  let heldUntil = Date.now() + ttlMs;
  let renewing: Promise<void> | undefined;
  const renew = setInterval(() => {
    if (renewing || lost.signal.aborted) return;
    const startedAt = Date.now();
    renewing = book
      .acquire(jobId, owner, ttlMs, (holder) => isGoneOwner(holder))
      .then(
        (result) => {
          if (result.ok) heldUntil = startedAt + ttlMs;
          else lost.abort(new LeaseLostError(jobId));
        },
        // The store is out of reach for now: keep writing while the lease surely holds, stop once it may not.
        () => {
          if (Date.now() >= heldUntil) lost.abort(new LeaseLostError(jobId));
        },
      )
      .finally(() => (renewing = undefined));
  }, ttlMs / 3);
  renew.unref();
  return {
    lost: lost.signal,
    check() {
      if (!lost.signal.aborted && Date.now() >= heldUntil - ttlMs * CHECK_MARGIN) lost.abort(new LeaseLostError(jobId));
      if (lost.signal.aborted) throw lost.signal.reason;
    },
    async release() {
      clearInterval(renew);
      await renewing;
      // A store out of reach keeps the row: the lease then runs out by itself, as a dead holder's does.
      await book.release(jobId, owner).catch(() => undefined);
    },
  };
}
