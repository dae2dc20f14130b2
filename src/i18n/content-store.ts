/** The running service's content: the last good one, reloaded when the files change. */

import { watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { errorFields, type Logger } from '../logger.js';
import { CONTENT_LANGUAGES, contentSummary, loadContent, type Content } from './content.js';
import { ContentError } from './content-problems.js';

/** What {@link ContentStore} logs through. */
export type ContentLogger = Pick<Logger, 'info' | 'warn' | 'error'>;

/** Options for {@link ContentStore.watch}. */
export interface WatchOptions {
  /** Quiet time after the last change before reloading; editors write in several steps. */
  debounceMs?: number;
  /** Delay before watching a folder again after its watcher failed (the folder replaced or removed). */
  retryMs?: number;
}

/** The folders {@link ContentStore.watch} watches, relative to the root. */
const WATCHED_FOLDERS = ['messages', 'faq'];
const WATCHED_FILES = new Set(CONTENT_LANGUAGES.map((lang) => `${lang}.json`));

/**
 * The running service's content: the last good {@link Content}, replaced only by
 * content that passes every check.
 */
export class ContentStore {
  readonly root: string;
  #content: Content;
  readonly #logger: ContentLogger;
  readonly #listeners = new Set<(content: Content) => void>();

  private constructor(root: string, logger: ContentLogger, content: Content) {
    this.root = root;
    this.#logger = logger;
    this.#content = content;
  }

  /** Loads the content; throws {@link ContentError} so that a service never starts with bad content. */
  static open(root: string, logger: ContentLogger): ContentStore {
    return new ContentStore(root, logger, loadContent(root));
  }

  /** The last good content (deeply frozen). */
  get current(): Content {
    return this.#content;
  }

  /**
   * Reads the files again. Good content replaces the current one and is passed to
   * every `onChange` listener; bad content is logged, one line per problem (file
   * and key, never texts), and the last good content stays.
   */
  reload(): boolean {
    let content: Content;
    try {
      content = loadContent(this.root);
    } catch (err) {
      if (err instanceof ContentError) {
        for (const problem of err.problems) {
          this.#logger.error({ file: problem.file, key: problem.key, problem: problem.message }, 'content problem');
        }
        this.#logger.warn({ problems: err.problems.length }, 'content edit refused; keeping the last good content');
      } else {
        this.#logger.error(errorFields(err, { stack: true }), 'content reload failed; keeping the last good content');
      }
      return false;
    }
    this.#content = content;
    this.#logger.info(contentSummary(content), 'content reloaded');
    for (const listener of this.#listeners) {
      try {
        listener(content);
      } catch (err) {
        this.#logger.error(errorFields(err, { stack: true }), 'content change listener failed');
      }
    }
    return true;
  }

  /** Calls `listener` with the new content after each successful reload; returns a function that stops it. */
  onChange(listener: (content: Content) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /**
   * Reloads when a content file changes. The folders are watched rather than the
   * files, so editors that save by writing a new file and renaming it over the
   * old one are followed; a folder whose watcher fails is watched again after
   * `retryMs`. Watchers and timers do not keep the process alive. Returns a
   * function that stops watching.
   */
  watch(options: WatchOptions = {}): () => void {
    const debounceMs = options.debounceMs ?? 300;
    const retryMs = options.retryMs ?? 1000;
    let stopped = false;
    let pending: NodeJS.Timeout | undefined;
    const watchers = new Map<string, FSWatcher>();
    const retries = new Set<NodeJS.Timeout>();

    const schedule = () => {
      if (stopped) return;
      if (pending !== undefined) clearTimeout(pending);
      pending = setTimeout(() => {
        pending = undefined;
        if (!stopped) this.reload();
      }, debounceMs);
      pending.unref();
    };
    const retry = (folder: string) => {
      const timer = setTimeout(() => {
        retries.delete(timer);
        if (stopped) return;
        attach(folder);
        schedule();
      }, retryMs);
      timer.unref();
      retries.add(timer);
    };
    const attach = (folder: string) => {
      const path = join(this.root, folder);
      let watcher: FSWatcher;
      try {
        watcher = watch(path, { persistent: false }, (_event, filename) => {
          if (filename === null || WATCHED_FILES.has(String(filename))) schedule();
        });
      } catch (err) {
        this.#logger.warn({ folder, ...errorFields(err) }, 'cannot watch a content folder; trying again');
        retry(folder);
        return;
      }
      watcher.on('error', (err) => {
        this.#logger.warn({ folder, ...errorFields(err) }, 'content folder watcher failed; watching it again');
        watcher.close();
        watchers.delete(folder);
        retry(folder);
      });
      watchers.set(folder, watcher);
    };

    for (const folder of WATCHED_FOLDERS) attach(folder);
    return () => {
      stopped = true;
      if (pending !== undefined) clearTimeout(pending);
      for (const timer of retries) clearTimeout(timer);
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
    };
  }
}

// ---------------------------------------------------------------------------
