/**
 * Custom steps (Workflow Builder functions) for the local Slack, as Slack and Bolt document them.
 * `start` plays a workflow reaching the app's step: it makes the `function_executed` event Slack
 * sends (the step's definition from the app's manifest, the inputs, `function_execution_id`,
 * and `bot_access_token`, a token for this execution only). functions.completeSuccess and
 * functions.completeError end the execution once: outputs are checked against the manifest's
 * output_parameters (`parameter_validation_failed`), a second answer is
 * `execution_not_in_running_state`, an unknown id `function_execution_not_found`.
 *
 * The execution's token is valid for 15 minutes from issue, or until the step is completed
 * (Slack revokes it then: `token_revoked`); past its lifetime, or after `expireToken`, Slack
 * answers `token_expired`. The method reference lists bot tokens as accepted, so the app's own
 * bot token completes an execution too, unless `acceptBotToken` is off (to play a Slack that does
 * not). A token of another execution sees no such execution. Every completion is recorded.
 */
import { randomUUID } from 'node:crypto';

/** One input or output of a step, as the manifest declares it. */
export interface FunctionParameter {
  type: string;
  title?: string;
  description?: string;
  is_required?: boolean;
  hint?: string;
  name?: string;
}

/** A step as manifest.json `functions.<callback_id>` declares it. */
export interface FunctionDefinition {
  title: string;
  description?: string;
  input_parameters: Record<string, FunctionParameter>;
  output_parameters: Record<string, FunctionParameter>;
}

interface EventParameter {
  type: string;
  name: string;
  description?: string;
  title?: string;
  is_required: boolean;
}

/** The `function_executed` event, as Slack's reference shows it. */
export interface FunctionExecutedEvent {
  type: 'function_executed';
  function: {
    id: string;
    callback_id: string;
    title: string;
    description?: string;
    type: 'app';
    input_parameters: EventParameter[];
    output_parameters: EventParameter[];
    app_id: string;
    date_created: number;
    date_updated: number;
    date_deleted: number;
  };
  inputs: Record<string, unknown>;
  function_execution_id: string;
  workflow_execution_id: string;
  event_ts: string;
  bot_access_token: string;
}

export interface FunctionCompletion {
  executionId: string;
  method: 'functions.completeSuccess' | 'functions.completeError';
  outputs?: Record<string, unknown>;
  error?: string;
  /** Which token completed it. */
  by: 'execution token' | 'bot token';
}

interface Execution {
  id: string;
  definition: FunctionDefinition;
  token: string;
  expiresAt: number;
  expired: boolean;
  running: boolean;
}

export interface FunctionOptions {
  definitions: Record<string, FunctionDefinition>;
  botToken: string;
  appId: string;
  /** Default true: the app's bot token may complete an execution. */
  acceptBotToken?: boolean;
  /** Default 15 minutes. */
  tokenTtlMs?: number;
}

export const FUNCTION_TOKEN_TTL_MS = 15 * 60_000;

export class FunctionExecutions {
  readonly completions: FunctionCompletion[] = [];
  private readonly executions = new Map<string, Execution>();

  constructor(private readonly o: FunctionOptions) {}

  /** A workflow reaches the step `callbackId` with `inputs`: the event Slack sends the app. */
  start(callbackId: string, inputs: Record<string, unknown>): FunctionExecutedEvent {
    const definition = this.o.definitions[callbackId];
    if (!definition) throw new Error(`the manifest declares no function ${callbackId}`);
    for (const name of Object.keys(inputs)) if (!definition.input_parameters[name]) throw new Error(`${callbackId} declares no input ${name}`);
    const id = `Fx${randomId(10)}`;
    const token = `xwfp-${randomId(12)}-${randomId(24).toLowerCase()}`;
    this.executions.set(id, { id, definition, token, expiresAt: Date.now() + (this.o.tokenTtlMs ?? FUNCTION_TOKEN_TTL_MS), expired: false, running: true });
    const now = Date.now() / 1000;
    return {
      type: 'function_executed',
      function: {
        id: `Fn${randomId(10)}`,
        callback_id: callbackId,
        title: definition.title,
        ...(definition.description ? { description: definition.description } : {}),
        type: 'app',
        input_parameters: eventParameters(definition.input_parameters),
        output_parameters: eventParameters(definition.output_parameters),
        app_id: this.o.appId,
        date_created: Math.floor(now) - 86_400,
        date_updated: Math.floor(now) - 3600,
        date_deleted: 0,
      },
      inputs,
      function_execution_id: id,
      workflow_execution_id: `Wx${randomId(10)}`,
      event_ts: now.toFixed(6),
      bot_access_token: token,
    };
  }

  /** The execution's token expires now (as after its 15 minutes). */
  expireToken(executionId: string): void {
    const execution = this.executions.get(executionId);
    if (!execution) throw new Error(`no execution ${executionId}`);
    execution.expired = true;
  }

  /** Undefined when `token` is no execution's; else whether Slack takes it now. */
  tokenStatus(token: string): { ok: true } | { ok: false; error: string } | undefined {
    const execution = [...this.executions.values()].find((e) => e.token === token);
    if (!execution) return undefined;
    if (execution.expired || Date.now() >= execution.expiresAt) return { ok: false, error: 'token_expired' };
    if (!execution.running) return { ok: false, error: 'token_revoked' };
    return { ok: true };
  }

  /** functions.completeSuccess / completeError, called with `token` (already checked as live or the bot's). */
  complete(method: string, p: Record<string, string>, token: string): Record<string, unknown> {
    if (method !== 'functions.completeSuccess' && method !== 'functions.completeError') return { ok: false, error: 'unknown_method' };
    if (!p.function_execution_id) return { ok: false, error: 'invalid_arguments' };
    const execution = this.executions.get(p.function_execution_id);
    const byBot = token === this.o.botToken;
    if (byBot && this.o.acceptBotToken === false) return { ok: false, error: 'not_allowed_token_type' };
    if (!execution || (!byBot && execution.token !== token)) return { ok: false, error: 'function_execution_not_found' };
    if (!execution.running) return { ok: false, error: 'execution_not_in_running_state' };
    const by = byBot ? 'bot token' : 'execution token';
    if (method === 'functions.completeError') {
      if (!p.error) return { ok: false, error: 'invalid_arguments' };
      this.completions.push({ executionId: execution.id, method, error: p.error, by });
    } else {
      const outputs = parseOutputs(p.outputs);
      const problems = outputs ? checkOutputs(execution.definition, outputs) : ['[ERROR] outputs must be an object'];
      if (problems.length > 0) return { ok: false, error: 'parameter_validation_failed', response_metadata: { messages: problems } };
      this.completions.push({ executionId: execution.id, method, outputs: outputs!, by });
    }
    execution.running = false;
    return { ok: true };
  }
}

function parseOutputs(raw: string | undefined): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(raw ?? '{}');
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** What is wrong with `outputs` against the declared output_parameters: unknown, missing required, wrong type. */
function checkOutputs(definition: FunctionDefinition, outputs: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [name, parameter] of Object.entries(definition.output_parameters)) {
    const value = outputs[name];
    if (value === undefined || value === null) {
      if (parameter.is_required) problems.push(`[ERROR] missing required output ${name}`);
    } else if (!fitsType(parameter.type, value)) {
      problems.push(`[ERROR] output ${name} must be of type ${parameter.type}`);
    }
  }
  for (const name of Object.keys(outputs)) if (!definition.output_parameters[name]) problems.push(`[ERROR] unknown output ${name}`);
  return problems;
}

function fitsType(type: string, value: unknown): boolean {
  switch (type) {
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'slack#/types/file_id':
      return typeof value === 'string' && /^F[A-Z0-9]+$/.test(value);
    case 'slack#/types/channel_id':
      return typeof value === 'string' && /^[CGD][A-Z0-9]+$/.test(value);
    default:
      return typeof value === 'string';
  }
}

function eventParameters(parameters: Record<string, FunctionParameter>): EventParameter[] {
  return Object.entries(parameters).map(([name, p]) => ({
    type: p.type,
    name,
    ...(p.description ? { description: p.description } : {}),
    ...(p.title ? { title: p.title } : {}),
    is_required: p.is_required === true,
  }));
}

function randomId(length: number): string {
  return randomUUID().replace(/-/g, '').slice(0, length).toUpperCase();
}
