/**
 * The frozen evaluation split of the corpus. `corpus/diagnosis/evaluation/cases.json` holds the
 * evaluation cases and `evaluation-split.json` their ids and the SHA-256 of that file; the training cases
 * stay in `corpus/diagnosis/cases/`. Fitting reads only the training folder.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CorpusCase, loadCorpusDir, sha256 } from './corpus.js';

export interface FrozenSplit {
  frozenAt: string;
  /** Days on which cases added later were split by the same rule (frozen ones never move). */
  extendedAt: string[];
  share: number;
  sha256: string;
  /** The evaluation cases. */
  ids: string[];
  /** The training cases at the last freeze: cases outside both lists are new. */
  trainingIds: string[];
}

export const TRAINING_DIR = 'cases';
export const EVALUATION_DIR = 'evaluation';
export const EVALUATION_FILE = 'cases.json';
export const FROZEN_FILE = 'evaluation-split.json';

export function readFrozen(root: string): FrozenSplit {
  return JSON.parse(readFileSync(join(root, FROZEN_FILE), 'utf8')) as FrozenSplit;
}

export function evaluationFileHash(root: string): string {
  return sha256(readFileSync(join(root, EVALUATION_DIR, EVALUATION_FILE), 'utf8'));
}

/** Only the training cases: what fitting may read. */
export function loadTraining(root: string): CorpusCase[] {
  return loadCorpusDir(join(root, TRAINING_DIR));
}

export function loadSplit(root: string): {
  training: CorpusCase[];
  evaluation: CorpusCase[];
  frozen: FrozenSplit;
} {
  return {
    training: loadTraining(root),
    evaluation: loadCorpusDir(join(root, EVALUATION_DIR)),
    frozen: readFrozen(root),
  };
}
