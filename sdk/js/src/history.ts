// Message history of one channel (REST), and the page type shared with search.
//
// GET /v1/realtime/channels/{channel}/messages?limit&before&after&order answers
// {data:[{id, type:'messages', attributes:{channel_id, user_id, event, data, created_at, offset}}],
//  meta:{has_more, oldest_id, newest_id}}. fetch() resolves an array of messages (newest first
// by default, as the seed's React example expects: it calls `history.reverse()`) that also
// carries `meta` and the helpers next() (further in the same order: older for 'desc') and
// previous() (the other way). The helpers ask the server in the order that makes the cursor
// exact and reverse the page when needed, so pages never overlap or skip.
import { messageFromResource, type MessageResource } from './message.js';
import type { RestClient } from './rest.js';
import type { HistoryMeta, HistoryPage, HistoryQuery, Message, MessageData } from './types.js';

export interface MessageListDocument {
  data?: MessageResource[];
  meta?: Partial<HistoryMeta>;
}

type Loader = (query: HistoryQuery) => Promise<MessageListDocument>;

function normalizeMeta(meta: Partial<HistoryMeta> | undefined): HistoryMeta {
  return {
    has_more: meta?.has_more === true,
    oldest_id: meta?.oldest_id ?? null,
    newest_id: meta?.newest_id ?? null,
  };
}

type Order = 'asc' | 'desc';

/** Oldest/newest ids of a page, from meta when the server gave them, else from the items. */
function bounds(items: Message<unknown>[], meta: HistoryMeta, order: Order): { oldest: string | null; newest: string | null } {
  const first = items[0]?.id ?? null;
  const last = items[items.length - 1]?.id ?? null;
  return {
    oldest: meta.oldest_id ?? (order === 'desc' ? last : first),
    newest: meta.newest_id ?? (order === 'desc' ? first : last),
  };
}

interface PageContext {
  load: Loader;
  channel: string;
  limit: number | undefined;
  /** The order the app asked for: the page is in this order and its helpers follow it. */
  order: Order;
}

function makePage<T>(items: Message<T>[], meta: HistoryMeta, ctx: PageContext): HistoryPage<T> {
  const { oldest, newest } = bounds(items as Message<unknown>[], meta, ctx.order);
  const older = (): Promise<HistoryPage<T>> =>
    oldest === null
      ? Promise.resolve(makePage<T>([], { has_more: false, oldest_id: null, newest_id: null }, ctx))
      : loadPage<T>(ctx, { limit: ctx.limit, before: oldest, order: 'desc' });
  const newer = (): Promise<HistoryPage<T>> =>
    newest === null
      ? Promise.resolve(makePage<T>([], { has_more: false, oldest_id: null, newest_id: null }, ctx))
      : loadPage<T>(ctx, { limit: ctx.limit, after: newest, order: 'asc' });
  const page = items as HistoryPage<T>;
  Object.defineProperties(page, {
    meta: { value: meta, enumerable: false, writable: true, configurable: true },
    next: { value: ctx.order === 'desc' ? older : newer, enumerable: false, writable: true, configurable: true },
    previous: { value: ctx.order === 'desc' ? newer : older, enumerable: false, writable: true, configurable: true },
  });
  return page;
}

/** Ask the server with `query` and present the page in ctx.order. */
async function loadPage<T>(ctx: PageContext, query: HistoryQuery): Promise<HistoryPage<T>> {
  const doc = await ctx.load(query);
  const items = (Array.isArray(doc?.data) ? doc.data : []).map((r) => messageFromResource<T>(r, ctx.channel));
  if ((query.order ?? 'desc') !== ctx.order) items.reverse();
  return makePage<T>(items, normalizeMeta(doc?.meta), ctx);
}

/** Load one page (in the query's order) with its helpers. */
export function fetchPage<T = MessageData>(load: Loader, channel: string, query: HistoryQuery): Promise<HistoryPage<T>> {
  return loadPage<T>({ load, channel, limit: query.limit, order: query.order ?? 'desc' }, query);
}

export class History {
  constructor(
    private readonly channel: string,
    private readonly rest: () => RestClient,
  ) {}

  /**
   * Stored messages, newest first unless `order: 'asc'`.
   * @example
   * const messages = await channel.history.fetch({ limit: 50 });
   * const older = await channel.history.fetch({ limit: 50, before: messages.meta.oldest_id! });
   */
  fetch<T = MessageData>(query: HistoryQuery = {}): Promise<HistoryPage<T>> {
    return fetchPage<T>(this.loader(), this.channel, query);
  }

  private loader(): Loader {
    return (q) =>
      this.rest().request<MessageListDocument>({
        method: 'GET',
        path: `/v1/realtime/channels/${encodeURIComponent(this.channel)}/messages`,
        query: { limit: q.limit, before: q.before, after: q.after, order: q.order },
      });
  }
}

/** Search results: the same page shape (client.realtime.messages.search). */
export function searchLoader(rest: RestClient, channelId: string, text: string): Loader {
  return (q) =>
    rest.request<MessageListDocument>({
      method: 'GET',
      path: '/v1/realtime/messages/search',
      query: { channel_id: channelId, query: text, limit: q.limit, before: q.before, after: q.after, order: q.order },
    });
}
