// The contract: the seed's own code (Quick Start, Connection, Channels, Presence, Typing, Message
// History, Read Receipts, the chat-room example), copied with only the import name and the URL
// changed, runs against the real server. The seed's `any` types are kept as written.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { create23BlocksClient } from '../../src/index.js';
import { closeAll, delay, eventually, SKIP, TEST_APP, uniq, useServer } from './harness.js';

describe('the seed\'s code, copied', { skip: SKIP }, () => {
  const srv = useServer();
  before(() => srv.ready());

  it('Quick Start + Authentication + Connection + Channels + Presence + Typing + History + Receipts', async () => {
    const process = { env: { APP_ID: TEST_APP.id, API_KEY: TEST_APP.secret } };
    const logs: unknown[][] = [];
    const console = { log: (...a: unknown[]) => logs.push(a), error: (...a: unknown[]) => logs.push(['ERROR', ...a]) };
    const room = uniq('room-');

    // --- seed: "SDK Examples" / initRealtime ---
    const client = create23BlocksClient({
      urls: { realtime: srv.get().httpUrl },
      appId: process.env.APP_ID,
      apiKey: process.env.API_KEY,
    });

    async function initRealtime(userId: string) {
      // Get connection token
      const { token } = await client.realtime.getToken({
        user_id: userId,
        channels: ['chat:*', `notifications:${userId}`, 'presence:*', 'public:*', 'private:*'],
      });

      // Connect
      const realtime = await client.realtime.connect({ token });

      // Handle connection events
      realtime.on('connected', () => {
        console.log('Connected!');
      });

      realtime.on('error', (error) => {
        console.error('Connection error:', error);
      });

      return realtime;
    }

    const realtime = await initRealtime('user_123');
    const other = await initRealtime('user_456');

    // --- seed: Connection API ---
    realtime.on('disconnected', (reason) => {
      console.log('Disconnected:', reason);
    });
    realtime.on('reconnecting', (attempt) => {
      console.log('Reconnecting, attempt:', attempt);
    });
    const state = realtime.getState();
    const isConnected = realtime.isConnected();
    assert.equal(state, 'connected');
    assert.equal(isConnected, true);

    // --- seed: Basic Usage ---
    const channel = realtime.subscribe(`chat:${room}`);
    const received: any[] = [];
    channel.on('message', (message) => {
      console.log('New message:', message);
      received.push(message);
    });
    channel.on('presence', (users) => {
      console.log('Online users:', users);
    });
    const otherChannel = other.subscribe(`chat:${room}`);
    const atOther: any[] = [];
    otherChannel.on('message', (message: any) => atOther.push(message));
    otherChannel.on('custom-event', (data: any) => atOther.push(data));
    await delay(200);

    channel.send({
      type: 'message',
      text: 'Hello, everyone!',
      user_id: 'user_123',
    });

    // Track typing status
    channel.typing.start();
    // ... after user stops typing
    channel.typing.stop();

    // --- seed: Channels API ---
    const publicChannel = realtime.subscribe('public:news');
    const privateChannel = realtime.subscribe('private:team-123');
    const presenceChannel = realtime.subscribe(`presence:${room}`);
    channel.send({
      type: 'message',
      data: {
        text: 'Hello, world!',
        attachments: [],
      },
    });
    channel.trigger('custom-event', {
      x: 100,
      y: 200,
      user_id: 'user_123',
    });

    // --- seed: Presence API ---
    presenceChannel.presence.enter({
      name: 'Alice',
      avatar: 'https://example.com/alice.jpg',
      status: 'online',
    });
    const joined: string[] = [];
    presenceChannel.on('presence:join', (member) => {
      console.log(`${member.data.name} joined`);
      joined.push(String(member.data.name));
    });
    presenceChannel.on('presence:update', (member) => {
      console.log(`${member.data.name} is now ${member.data.status}`);
    });
    presenceChannel.on('presence:sync', (members) => {
      console.log('Full member list:', members);
    });
    const members = await presenceChannel.presence.getMembers();
    console.log(members);
    assert.ok(members.some((m) => m.user_id === 'user_123'));
    presenceChannel.presence.update({
      status: 'busy',
      statusMessage: 'In a meeting',
    });

    await eventually(() => atOther.length >= 3 && received.length >= 2, 5000, () => `messages: ${JSON.stringify(atOther)}`);
    assert.deepEqual(
      atOther.map((m) => m.text ?? m.data?.text ?? m.x),
      ['Hello, everyone!', 'Hello, world!', 100],
    );

    // --- seed: Message History API ---
    const messages = await channel.history.fetch({
      limit: 50,
    }).catch((e: any) => ({ error: e }));
    if (!('error' in messages)) {
      assert.equal(messages.length, 2);
      const olderMessages = await channel.history.fetch({
        limit: 50,
        before: messages.meta.oldest_id!,
      });
      assert.equal(olderMessages.length, 0);
      const searchResults = await client.realtime.messages.search({
        channel_id: `chat:${room}`,
        query: 'world',
        limit: 20,
      });
      assert.equal(searchResults.length, 1);

      // --- seed: Read Receipts API ---
      const messageId = messages[0]!.id!;
      const reads: any[] = [];
      channel.on('message:read', (data) => {
        console.log(`Message ${data.message_id} read by ${data.user_id}`);
        reads.push(data);
      });
      await otherChannel.messages.markAsRead(messageId);
      const readStatus = await channel.messages.getReadStatus(messageId);
      assert.deepEqual(readStatus.read_by, ['user_456']);
      assert.equal(readStatus.read_count, 1);
      await eventually(() => reads.length === 1, 5000, 'message:read');
    }

    // --- seed: Unsubscribe / Disconnect ---
    publicChannel.unsubscribe();
    privateChannel.unsubscribe();
    realtime.disconnect();
    other.disconnect();
    assert.ok(!logs.some((l) => l[0] === 'ERROR'), `errors: ${JSON.stringify(logs.filter((l) => l[0] === 'ERROR'))}`);
    if ('error' in messages) throw messages.error; // history is part of the contract
  });

  it('the React ChatRoom flow (plain functions instead of React state)', async () => {
    const room = uniq('general-');
    const client = create23BlocksClient({
      urls: { realtime: srv.get().httpUrl },
      appId: TEST_APP.id,
      apiKey: TEST_APP.secret,
    });
    interface User { user_id: string; name: string; avatar: string }

    async function chatRoom(roomId: string, currentUser: User) {
      let messages: any[] = [];
      let members: User[] = [];
      let typingUsers: string[] = [];
      let isConnected = false;
      const setMessages = (f: any) => (messages = typeof f === 'function' ? f(messages) : f);
      const setMembers = (f: any) => (members = typeof f === 'function' ? f(members) : f);
      const setTypingUsers = (f: any) => (typingUsers = typeof f === 'function' ? f(typingUsers) : f);
      const setIsConnected = (v: boolean) => (isConnected = v);

      // --- seed: ChatRoom useEffect connect() ---
      const { token } = await client.realtime.getToken({
        user_id: currentUser.user_id,
        channels: [`presence:chat:${roomId}`],
      });

      const realtime = await client.realtime.connect({ token });

      realtime.on('connected', () => {
        setIsConnected(true);
      });

      // Subscribe to chat room
      const channel = realtime.subscribe(`presence:chat:${roomId}`);

      // Enter presence
      channel.presence.enter({
        user_id: currentUser.user_id,
        name: currentUser.name,
        avatar: currentUser.avatar,
      });

      // Get presence members
      const currentMembers = await channel.presence.getMembers();
      setMembers(currentMembers.map((m: any) => m.data));

      // Load message history
      const history = await channel.history.fetch({ limit: 50 }).catch(() => [] as any[]);
      setMessages(history.reverse());

      // Listen for new messages
      channel.on('message', (message: any) => {
        setMessages((prev: any) => [...prev, message.data]);
      });

      // Listen for presence changes
      channel.on('presence:join', (member: any) => {
        setMembers((prev: any) => [...prev, member.data]);
      });

      channel.on('presence:leave', (member: any) => {
        setMembers((prev: any) => prev.filter((m: any) => m.user_id !== member.data.user_id));
      });

      // Listen for typing indicators
      channel.on('typing:start', (user: any) => {
        if (user.user_id !== currentUser.user_id) {
          setTypingUsers((prev: any) => [...new Set([...prev, user.user_name])]);
        }
      });

      channel.on('typing:stop', (user: any) => {
        setTypingUsers((prev: any) => prev.filter((name: any) => name !== user.user_name));
      });

      const sendMessage = (inputValue: string) => {
        channel.send({
          type: 'message',
          data: {
            id: `msg_${Date.now()}`,
            user_id: currentUser.user_id,
            user_name: currentUser.name,
            text: inputValue,
            created_at: new Date().toISOString(),
          },
        });
        channel.typing.stop();
      };
      const handleInputChange = () => {
        channel.typing.start({ user_id: currentUser.user_id, user_name: currentUser.name });
      };
      const cleanup = () => {
        channel.presence.leave();
        channel.unsubscribe();
        realtime.disconnect();
      };
      return {
        get messages() { return messages; },
        get members() { return members; },
        get typingUsers() { return typingUsers; },
        get isConnected() { return isConnected; },
        sendMessage,
        handleInputChange,
        cleanup,
      };
    }

    const alice = await chatRoom(room, { user_id: 'alice', name: 'Alice', avatar: 'a.jpg' });
    const bob = await chatRoom(room, { user_id: 'bob', name: 'Bob', avatar: 'b.jpg' });
    await eventually(() => alice.isConnected && bob.isConnected, 2000, 'isConnected');
    await eventually(() => alice.members.some((m) => m.user_id === 'bob'), 5000, () => `bob in alice's members: ${JSON.stringify(alice.members)}`);
    assert.ok(bob.members.some((m) => m.user_id === 'alice' && m.name === 'Alice'), JSON.stringify(bob.members));
    bob.handleInputChange();
    await eventually(() => alice.typingUsers.includes('Bob'), 5000, () => `typing: ${JSON.stringify(alice.typingUsers)}`);
    bob.sendMessage('hi Alice');
    await eventually(() => alice.messages.some((m) => m.text === 'hi Alice'), 5000, 'message');
    await eventually(() => alice.typingUsers.length === 0, 5000, 'typing stopped');
    assert.equal(bob.messages.filter((m) => m.text === 'hi Alice').length, 1, 'the sender sees its message once');
    bob.cleanup();
    await eventually(() => !alice.members.some((m) => m.user_id === 'bob'), 5000, () => `bob left: ${JSON.stringify(alice.members)}`);
    alice.cleanup();
    await closeAll();
  });
});
