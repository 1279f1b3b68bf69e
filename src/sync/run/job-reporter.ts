/** What a job reads, and who hears what happens in it: the command line prints it, the Slack app posts it. */
import type { FieldWarning } from '../../quotes/model.js';
import type { FieldReport, SyncJob } from '../../store/index.js';
import type { JobProgress } from './progress.js';
import type { SyncReport } from '../outcome/report.js';
import type { ResolvedDatabase } from '../target/target.js';
import type { WriterEvent } from '../write/writer-events.js';

export interface SyncSource {
  /** What a person would call it: a file name or a URL. */
  name: string;
  content: string | Buffer;
  format?: 'csv' | 'json';
}

/** Receives what happens in a job; the command line prints it, the Slack app posts it. */
export interface JobReporter {
  /** `fields`: where each field of the input goes; `warnings`: what reading it and fitting it to Notion changed or left out. */
  started?(info: {
    job: SyncJob;
    database: ResolvedDatabase;
    toWrite: number;
    resumed: boolean;
    fields?: FieldReport[];
    warnings?: FieldWarning[];
  }): void | Promise<void>;
  progress?(progress: JobProgress): void;
  event?(event: WriterEvent): void;
  note?(message: string): void;
  finished?(report: SyncReport): void | Promise<void>;
}
