import type { FirehoseTransformationEvent } from 'aws-lambda';
import { ErrorOutputError, PROCESSING_FAILED_STATUS, readErrorOutput, type ErrorLine } from './error-output';
import type { JournalEntry } from '../shared/ports';
import type { ReplayMark } from './ports';
import type { BatchOutcome } from '../transform/transform-batch';
import { JournalIndex } from './journal-index';
import { chunks, complete, DEFAULT_MAX_BATCH_BYTES, DEFAULT_MAX_BATCH_RECORDS, describe, failsForGood, okCopyOf, OutsideWorldError, replayEvent, standaloneRecordId } from './replay-batches';
import type { Item, Member, ObjectState, Pending, RecordLine } from './replay-batches';
import { countReason, keep, MAX_KEPT_LISTED, type ReplayDeps, type ReplayOptions, type ReplayReport } from './replay-types';

export class ResourceReplay {
  private readonly pending = new Map<string, Pending>();
  private readonly journal: JournalIndex;
  private readonly waitingStates = new Set<ObjectState>();
  /** Records replayed on their own in this run, by digest: a copy elsewhere in the error output shares the result. */
  private readonly standaloneResults = new Map<string, 'Ok' | 'Dropped'>();

  constructor(
    private readonly resourceId: string,
    private readonly deps: ReplayDeps,
    private readonly options: ReplayOptions,
    private readonly report: ReplayReport,
    private readonly now: () => number,
  ) {
    this.journal = new JournalIndex(resourceId, deps.journal);
  }

  /** Objects still waiting for lines of another object: where the next run must begin to see their batches whole. */
  get firstWaitingKey(): string | undefined {
    let first: string | undefined;
    for (const state of this.waitingStates) if (first === undefined || state.key < first) first = state.key;
    return first;
  }

  async replayObject(key: string, hour: number | undefined): Promise<void> {
    let lines: ErrorLine[];
    let marks: ReplayMark[];
    try {
      [lines, marks] = await Promise.all([this.deps.errorOutput.read(key).then(readErrorOutput), this.deps.errorOutput.marks(key)]);
    } catch (error) {
      if (error instanceof ErrorOutputError) {
        keep(this.report, key, `the object cannot be read: ${error.message}`);
        return;
      }
      throw new OutsideWorldError(`reading ${key} failed: ${describe(error)}`);
    }
    this.report.objects.read += 1;
    const state: ObjectState = { key, ...(hour !== undefined ? { hour } : {}), lines, marks: [...marks], marked: false, waiting: 0, keeps: false, forGood: new Map(), mayChange: false };
    const marked = new Set(marks.map((mark) => mark.line));
    const standalone: RecordLine[] = [];
    for (const line of lines) {
      this.report.records.read += 1;
      if (line.kind === 'unreadable') {
        if (marked.has(line.index)) continue;
        state.keeps = true;
        state.forGood.set(line.index, line.reason);
        this.report.records.stillFailing += 1;
        countReason(this.report, line.reason);
        continue;
      }
      const ownFailure = line.record.errorCode === PROCESSING_FAILED_STATUS;
      const entry = await this.journal.batchOf(line, hour);
      if (marked.has(line.index)) {
        this.report.records.alreadyReplayed += 1;
        // Still part of its batch: a batch replayed in part by an earlier run is rebuilt whole, under the same record IDs.
        if (entry) this.join(entry, { state, line, marked: true, ownFailure, waits: false });
        continue;
      }
      if (!entry) {
        standalone.push(line);
        continue;
      }
      this.join(entry, { state, line, marked: false, ownFailure, waits: true });
      state.waiting += 1;
    }
    if (state.waiting > 0) this.waitingStates.add(state);

    await this.replayStandalone(state, standalone);
    for (const [name, pending] of this.pending) {
      if (!complete(pending)) continue;
      this.pending.delete(name);
      if ([...pending.found.values()].some((members) => members.some((member) => !member.marked))) await this.replayJournalBatch(pending);
    }
    await this.settleReady(state);
  }

  /**
   * What is left once every object is read: batches never completed. When the run stopped early they
   * are left for the next run (which starts at the first of their objects) rather than judged.
   */
  async finish(stoppedEarly = false): Promise<void> {
    for (const pending of this.pending.values()) {
      const members = [...pending.found.values()].flat().filter((member) => !member.marked);
      if (members.length === 0) continue;
      if (stoppedEarly) {
        for (const member of members) {
          member.state.waiting -= 1;
          member.state.keeps = true;
          member.state.mayChange = true;
        }
        continue;
      }
      const found = [...pending.found.values()].reduce((sum, queue) => sum + queue.length, 0);
      const reason =
        `its failed batch had ${pending.entry.records.length} records and only ${found} were found in the error output read: ` +
        'replay a wider time range to rebuild the batch';
      const own = new Map<ObjectState, RecordLine[]>();
      for (const member of members) {
        member.state.waiting -= 1;
        if (member.ownFailure) {
          // Its batch succeeded without it (its other records are not in the error output): on its own, as any ProcessingFailed record.
          own.set(member.state, [...(own.get(member.state) ?? []), member.line]);
          continue;
        }
        member.state.keeps = true;
        member.state.mayChange = true;
        this.report.records.held += 1;
        countReason(this.report, reason);
      }
      for (const [state, lines] of own) await this.replayStandalone(state, lines);
    }
    this.pending.clear();
    await this.settle([...this.waitingStates]);
    this.waitingStates.clear();
  }

  private join(entry: JournalEntry, member: Member): void {
    const pending = this.pending.get(entry.name) ?? { entry, found: new Map<string, Member[]>() };
    const queue = pending.found.get(member.line.digest) ?? [];
    queue.push(member);
    pending.found.set(member.line.digest, queue);
    this.pending.set(entry.name, pending);
  }

  /** Records replayed on their own: in chunks of the object's lines, copies of a record sharing its fate. */
  private async replayStandalone(state: ObjectState, lines: readonly RecordLine[]): Promise<void> {
    const items: Array<{ recordId: string; line: RecordLine; members: Member[] }> = [];
    const byDigest = new Map<string, { members: Member[] }>();
    for (const line of lines) {
      const member: Member = { state, line, marked: false, ownFailure: true, waits: false };
      const earlier = this.standaloneResults.get(line.digest);
      if (earlier && !this.options.dryRun) {
        // The same record, replayed already in this run: its events are stored; this copy is done too.
        this.record(member, earlier);
        continue;
      }
      const queued = byDigest.get(line.digest);
      if (queued) {
        queued.members.push(member);
        continue;
      }
      const item = { recordId: standaloneRecordId(state.key, line.index), line, members: [member] };
      byDigest.set(line.digest, item);
      items.push(item);
    }
    for (const chunk of chunks(items, this.deps.maxBatchRecords ?? DEFAULT_MAX_BATCH_RECORDS, this.deps.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES)) {
      await this.replay(chunk, 'standalone');
    }
  }

  private async replayJournalBatch(pending: Pending): Promise<void> {
    const items: Item[] = [];
    const left = new Map<string, number>();
    for (const { sha256 } of pending.entry.records) left.set(sha256, (left.get(sha256) ?? 0) + 1);
    for (const { recordId, sha256 } of pending.entry.records) {
      const members = pending.found.get(sha256) as Member[];
      const remaining = (left.get(sha256) as number) - 1;
      left.set(sha256, remaining);
      // One line per occurrence in the batch; copies beyond (the error output written twice) share the last one's fate.
      const taken = remaining === 0 ? members.splice(0, members.length) : members.splice(0, 1);
      items.push({ recordId, line: (taken[0] as Member).line, members: taken });
    }
    await this.replay(items, 'journal');
  }

  private async replay(items: readonly Item[], kind: 'standalone' | 'journal'): Promise<void> {
    if (items.length === 0) return;
    if (kind === 'journal') this.report.batches.rebuiltFromJournal += 1;
    else this.report.batches.standalone += 1;
    if (this.options.dryRun) {
      for (const member of items.flatMap((item) => item.members)) {
        if (member.waits) member.state.waiting -= 1;
        if (!member.marked) this.report.records.toReplay += 1;
      }
      return;
    }
    const event = replayEvent(this.resourceId, this.options.region ?? 'us-east-1', items.map((item) => ({ recordId: item.recordId, line: item.line, hour: item.members[0]?.state.hour })), this.now());
    let outcome: BatchOutcome;
    try {
      outcome = await this.deps.transform(event, this.options.transformOptions ?? {});
    } catch (error) {
      throw new OutsideWorldError(`the transformer failed, nothing of this batch is marked replayed: ${describe(error)}`);
    }
    this.report.eventsStored += outcome.summary.stored;
    await this.putOkCopy(event, outcome);
    const results = new Map(outcome.result.records.map((record) => [record.recordId, record.result]));
    const reasons = new Map(outcome.summary.failures.map((failure) => [failure.recordId, failure.reason]));
    for (const item of items) {
      const result = results.get(item.recordId);
      if (kind === 'standalone' && (result === 'Ok' || result === 'Dropped')) this.standaloneResults.set(item.line.digest, result);
      for (const member of item.members) {
        if (member.waits) member.state.waiting -= 1;
        if (member.marked) continue;
        if (result === 'Ok' || result === 'Dropped') this.record(member, result);
        else {
          const reason = reasons.get(item.recordId) ?? 'the transformer answered ProcessingFailed';
          member.state.keeps = true;
          // The transformer answered for the record's own bytes (what it cannot get from KMS or S3 it throws, and the run stops).
          member.state.forGood.set(member.line.index, reason);
          this.report.records.stillFailing += 1;
          countReason(this.report, reason);
        }
      }
    }
  }

  private record(member: Member, result: 'Ok' | 'Dropped'): void {
    this.report.records[result === 'Ok' ? 'ok' : 'dropped'] += 1;
    member.state.marks.push({ line: member.line.index, result, replayedAt: new Date(this.now()).toISOString(), record: member.line.text });
    member.state.marked = true;
  }

  /**
   * What Firehose would have delivered for the batch under `firehose/ok/`: its Ok data in order, filed
   * under the hour of the oldest record's arrival and named after the batch, so a re-run overwrites it.
   */
  private async putOkCopy(event: FirehoseTransformationEvent, outcome: BatchOutcome): Promise<void> {
    const copy = okCopyOf(this.resourceId, event, outcome, this.now());
    if (!copy) return;
    const { key, body } = copy;
    try {
      await this.deps.errorOutput.putOkCopy(key, body);
    } catch (error) {
      throw new OutsideWorldError(`writing the Ok copy ${key} failed (the events are stored; a re-run writes both again): ${describe(error)}`);
    }
  }

  /** Moves an object whose remaining lines fail for good to `firehose/unreplayable/`, with their reasons. */
  private async setAside(state: ObjectState): Promise<void> {
    const reasons: Record<string, number> = {};
    for (const reason of state.forGood.values()) reasons[reason] = (reasons[reason] ?? 0) + 1;
    try {
      await this.deps.errorOutput.setAside(state.key, reasons);
    } catch (error) {
      throw new OutsideWorldError(`moving ${state.key} to firehose/unreplayable/ failed (it stays in the error output; a re-run tries again): ${describe(error)}`);
    }
    this.report.objects.unreplayable += 1;
    if (this.report.unreplayable.length < MAX_KEPT_LISTED) this.report.unreplayable.push({ key: state.key, reasons });
  }

  /** Settles this object and every waiting one whose batches are done. */
  private async settleReady(state: ObjectState): Promise<void> {
    const ready = [...this.waitingStates].filter((waiting) => waiting.waiting <= 0);
    for (const waiting of ready) this.waitingStates.delete(waiting);
    if (state.waiting <= 0 && !ready.includes(state)) ready.push(state);
    await this.settle(ready);
  }

  /**
   * Writes the objects' marks, all of them first, then retires those whose every line is replayed: a
   * batch rebuilt across objects is marked in each before any leaves the error output, so a re-run that
   * finds some of its lines still unmarked also finds the others (marked) to rebuild it with.
   */
  private async settle(states: readonly ObjectState[]): Promise<void> {
    if (this.options.dryRun) {
      for (const state of states) if (state.keeps) keep(this.report, state.key);
      return;
    }
    try {
      for (const state of states) if (state.marked) await this.deps.errorOutput.mark(state.key, state.marks);
    } catch (error) {
      throw new OutsideWorldError(`marking what was replayed failed (its records are stored; a re-run stores them again under the same keys): ${describe(error)}`);
    }
    for (const state of states) {
      const everyLine = !state.keeps && state.marks.length >= state.lines.length;
      if (!everyLine) {
        if (failsForGood(state)) await this.setAside(state);
        else keep(this.report, state.key);
        continue;
      }
      try {
        await this.deps.errorOutput.retire(state.key);
      } catch (error) {
        throw new OutsideWorldError(`retiring ${state.key} failed (it is marked: a re-run retires it): ${describe(error)}`);
      }
      this.report.objects.retired += 1;
    }
  }
}

/** Every line not replayed fails for good, and none may still come back. */
