using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Rendezvous.Store;

namespace Rendezvous.Server;

/// <summary>
/// The sign-in policy (issue, defect 5: wrong passwords were free to try and made every request wait behind PBKDF2).
/// An account allows <see cref="FreeFailuresPerAccount"/> failures and a client address <see cref="FreeFailuresPerClient"/>;
/// each further failure locks it out for twice as long as the last, from <see cref="FirstLockout"/> up to
/// <see cref="MaxLockout"/>. A locked-out sign-in is refused without running PBKDF2, whatever the password. Failures are
/// forgotten after <see cref="ForgetAfter"/> without one. A client address that signed in to an account with its
/// password (and has not failed for it since) stays welcome for <see cref="FamiliarFor"/>: its already verified
/// credentials still work while strangers have the account locked.
/// </summary>
public sealed record SignInPolicy
{
    public int FreeFailuresPerAccount { get; init; } = 5;

    /// <summary>Higher than per account: many users may share one address behind NAT.</summary>
    public int FreeFailuresPerClient { get; init; } = 20;

    public TimeSpan FirstLockout { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxLockout { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Longer than <see cref="MaxLockout"/>, so that waiting out a lockout does not also wipe the count.</summary>
    public TimeSpan ForgetAfter { get; init; } = TimeSpan.FromHours(1);

    public TimeSpan FamiliarFor { get; init; } = TimeSpan.FromDays(7);

    /// <summary>Accounts, client addresses and familiar pairs tracked, each: the tables never grow past it.</summary>
    public int TrackedEntries { get; init; } = 10_000;

    /// <summary>PBKDF2 checks run at once, each on a thread of its own: half the cores, so verified users (who skip PBKDF2) always find one free.</summary>
    public int MaxConcurrentHashes { get; init; } = Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>Checks that may wait for one of those; beyond it a sign-in is refused as busy (503) without being checked.</summary>
    public int MaxQueuedHashes { get; init; } = 32;
}

/// <summary>
/// Failure counts and lockouts per account and per client address, and the familiar (account, address) pairs. Keys are
/// keyed hashes (128 bits) of the address as typed and of the client address, so an entry has a fixed size whatever a
/// client sends, and unknown accounts are tracked exactly as known ones (a lockout must not tell which exist).
/// </summary>
/// <remarks>
/// With a <paramref name="store"/> (issue 19 §5) the counts are the store's, shared by every node serving it: each
/// failure is counted there (<see cref="FailedAsync"/>), and a sign-in about to be checked with PBKDF2 first reads the
/// lockouts other nodes set (<see cref="CheckSharedAsync"/>), so a guesser spreading guesses over the nodes gets no
/// more of them. The tables here stay as this node's copy (a lockout already known costs no store read), and the
/// familiar pairs stay per node: they only ever let through credentials this node verified. The keys' secret is
/// derived from the store's own, so every node computes the same keys; lockouts are in wall-clock time
/// (<see cref="TimeProvider.GetUtcNow"/>), so the nodes' clocks must agree (NTP) to within a small part of a lockout.
/// </remarks>
internal sealed class SignInThrottle(SignInPolicy policy, TimeProvider time, IMailStore? store = null)
{
    private readonly byte[] key = store is null
        ? RandomNumberGenerator.GetBytes(32)
        : HMACSHA256.HashData(store.SyncStateKey.Span, "rdv-signin-throttle"u8);

    private readonly PenaltyTable accounts = new(policy, policy.FreeFailuresPerAccount, time);
    private readonly PenaltyTable clients = new(policy, policy.FreeFailuresPerClient, time);
    private readonly FamiliarTable familiar = new(policy, time);

    public Keys KeysFor(string address, IPAddress? client)
    {
        var account = Hash("a\0" + address.ToUpperInvariant());
        UInt128? from = client is null ? null : Hash("c\0" + client);
        return new Keys(account, from, from is { } c ? Hash(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"p\0{account}\0{c}")) : null);
    }

    /// <summary>Whether the sign-in may be checked now; if not, for how long it is locked out.</summary>
    public Verdict Check(Keys keys)
    {
        var now = time.GetTimestamp();
        var wait = accounts.LockedFor(keys.Account, now);
        if (keys.Client is { } client)
        {
            var clientWait = clients.LockedFor(client, now);
            wait = clientWait > wait ? clientWait : wait;
        }

        return new Verdict(wait, keys.Pair is { } pair && familiar.Has(pair, now));
    }

    /// <summary>
    /// <see cref="Check"/> after learning the lockouts the store holds for these keys (set by any node): what a sign-in
    /// that is about to run PBKDF2 asks, so each guess, on whatever node, meets the shared count.
    /// </summary>
    public async Task<Verdict> CheckSharedAsync(Keys keys, CancellationToken cancellationToken)
    {
        if (store is not null)
        {
            var (account, client) = await store.GetSignInLockoutsAsync(Bytes(keys.Account), keys.Client is { } c ? Bytes(c) : null, cancellationToken);
            var now = time.GetTimestamp();
            var wallNow = time.GetUtcNow().ToUnixTimeMilliseconds();
            accounts.LockAtLeast(keys.Account, account - wallNow, now);
            if (keys.Client is { } clientKey)
            {
                clients.LockAtLeast(clientKey, client - wallNow, now);
            }
        }

        return Check(keys);
    }

    /// <summary>
    /// <see cref="Failed"/>, counted in the store as well when there is one: the store's counts (every node's
    /// failures) decide the lockout, which this node's tables then hold too. Counted whatever happens to the request
    /// (no cancellation): a guesser must not escape the count by hanging up.
    /// </summary>
    public async Task<Failure> FailedAsync(Keys keys)
    {
        var local = Failed(keys);
        if (store is null)
        {
            return local;
        }

        var now = time.GetTimestamp();
        var wallNow = time.GetUtcNow().ToUnixTimeMilliseconds();
        var forget = (long)policy.ForgetAfter.TotalMilliseconds;
        var account = await store.AddSignInFailureAsync(Bytes(keys.Account), wallNow, forget, n => LockoutFor(n, policy.FreeFailuresPerAccount), CancellationToken.None);
        accounts.LockAtLeast(keys.Account, account.LockedUntil - wallNow, now);
        var client = (Failures: local.ClientFailures, LockedUntil: 0L);
        if (keys.Client is { } c)
        {
            client = await store.AddSignInFailureAsync(Bytes(c), wallNow, forget, n => LockoutFor(n, policy.FreeFailuresPerClient), CancellationToken.None);
            clients.LockAtLeast(c, client.LockedUntil - wallNow, now);
        }

        var lockout = TimeSpan.FromMilliseconds(Math.Max(0, Math.Max(account.LockedUntil, client.LockedUntil) - wallNow));
        return new Failure(account.Failures, client.Failures, lockout > local.Lockout ? lockout : local.Lockout);
    }

    /// <summary><see cref="Succeeded"/>; a check that ran PBKDF2 clears the account's count in the store too.</summary>
    public async Task SucceededAsync(Keys keys, bool verifiedNow)
    {
        var cleared = verifiedNow && accounts.LockedFor(keys.Account, time.GetTimestamp()) == TimeSpan.Zero;
        Succeeded(keys, verifiedNow);
        if (cleared && store is not null)
        {
            await store.ForgetSignInFailuresAsync(Bytes(keys.Account), CancellationToken.None);
        }
    }

    /// <summary>The lockout the <paramref name="failures"/>-th failure sets: doubling from the first beyond the free ones, up to the maximum.</summary>
    private TimeSpan LockoutFor(int failures, int free)
    {
        if (failures <= free)
        {
            return TimeSpan.Zero;
        }

        // The exponent is capped long before the maximum could overflow.
        var doublings = Math.Min(failures - free - 1, 30);
        return TimeSpan.FromTicks((long)Math.Min(policy.FirstLockout.Ticks * Math.Pow(2, doublings), policy.MaxLockout.Ticks));
    }

    private static byte[] Bytes(UInt128 value)
    {
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt128LittleEndian(bytes, value);
        return bytes;
    }

    /// <summary>A wrong password (or an unknown account): counted against both, and the pair is no longer familiar.</summary>
    public Failure Failed(Keys keys)
    {
        var now = time.GetTimestamp();
        var account = accounts.Fail(keys.Account, now);
        var client = keys.Client is { } c ? clients.Fail(c, now) : default;
        if (keys.Pair is { } pair)
        {
            familiar.Remove(pair);
        }

        return new Failure(account.Failures, client.Failures, account.Lockout > client.Lockout ? account.Lockout : client.Lockout);
    }

    /// <summary>
    /// The right password. A check that ran PBKDF2 clears the account's count (only its owner can do that); the
    /// client's count is kept, or one valid account would let its holder wipe the failures guessing at others.
    /// </summary>
    public void Succeeded(Keys keys, bool verifiedNow)
    {
        var now = time.GetTimestamp();
        if (verifiedNow && accounts.LockedFor(keys.Account, now) == TimeSpan.Zero)
        {
            accounts.Forget(keys.Account);
        }

        if (keys.Pair is { } pair)
        {
            familiar.Add(pair, now);
        }
    }

    private UInt128 Hash(string text) =>
        BinaryPrimitives.ReadUInt128LittleEndian(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(text)));

    internal readonly record struct Keys(UInt128 Account, UInt128? Client, UInt128? Pair);

    internal readonly record struct Verdict(TimeSpan LockedFor, bool Familiar)
    {
        public bool Locked => LockedFor > TimeSpan.Zero;
    }

    internal readonly record struct Failure(int AccountFailures, int ClientFailures, TimeSpan Lockout);

    /// <summary>Failure counts with their lockout, bounded: when full, the stale entries go, else the one idle longest.</summary>
    private sealed class PenaltyTable(SignInPolicy policy, int free, TimeProvider time)
    {
        private readonly Dictionary<UInt128, Entry> entries = [];

        public TimeSpan LockedFor(UInt128 key, long now)
        {
            lock (entries)
            {
                return entries.TryGetValue(key, out var e) && e.LockedUntil > now ? Ticks(e.LockedUntil - now) : TimeSpan.Zero;
            }
        }

        public (int Failures, TimeSpan Lockout) Fail(UInt128 key, long now)
        {
            lock (entries)
            {
                if (!entries.TryGetValue(key, out var e) || Stale(e, now))
                {
                    MakeRoom(now);
                    e = default;
                }

                e.Failures++;
                e.LastFailure = now;
                var lockout = TimeSpan.Zero;
                if (e.Failures > free)
                {
                    // Doubling from the first lockout; the exponent is capped long before the maximum could overflow.
                    var doublings = Math.Min(e.Failures - free - 1, 30);
                    lockout = TimeSpan.FromTicks((long)Math.Min(policy.FirstLockout.Ticks * Math.Pow(2, doublings), policy.MaxLockout.Ticks));
                    e.LockedUntil = now + Timestamp(lockout);
                }

                entries[key] = e;
                return (e.Failures, lockout);
            }
        }

        /// <summary>A lockout of at least <paramref name="remainingMs"/> from <paramref name="now"/> (none when not positive): one another node set.</summary>
        public void LockAtLeast(UInt128 key, long remainingMs, long now)
        {
            if (remainingMs <= 0)
            {
                return;
            }

            var until = now + Timestamp(TimeSpan.FromMilliseconds(remainingMs));
            lock (entries)
            {
                if (!entries.TryGetValue(key, out var e))
                {
                    MakeRoom(now);
                    e = new Entry { LastFailure = now };
                }

                if (until > e.LockedUntil)
                {
                    e.LockedUntil = until;
                    entries[key] = e;
                }
            }
        }

        public void Forget(UInt128 key)
        {
            lock (entries)
            {
                entries.Remove(key);
            }
        }

        private bool Stale(Entry e, long now) => e.LockedUntil <= now && now - e.LastFailure > Timestamp(policy.ForgetAfter);

        private void MakeRoom(long now)
        {
            if (entries.Count < policy.TrackedEntries)
            {
                return;
            }

            // Only failures that got past the lockouts (and paid a PBKDF2 check) add keys, so this scan is rare.
            var oldest = (Key: default(UInt128), At: long.MaxValue);
            foreach (var (k, e) in entries)
            {
                if (Stale(e, now))
                {
                    entries.Remove(k);
                }
                else if (e.LastFailure < oldest.At)
                {
                    oldest = (k, e.LastFailure);
                }
            }

            if (entries.Count >= policy.TrackedEntries)
            {
                entries.Remove(oldest.Key);
            }
        }

        private TimeSpan Ticks(long timestamps) => TimeSpan.FromSeconds((double)timestamps / time.TimestampFrequency);

        private long Timestamp(TimeSpan span) => (long)(span.TotalSeconds * time.TimestampFrequency);

        private struct Entry
        {
            public int Failures;
            public long LastFailure;
            public long LockedUntil;
        }
    }

    /// <summary>(account, client address) pairs that signed in with the right password, and when last; bounded likewise.</summary>
    private sealed class FamiliarTable(SignInPolicy policy, TimeProvider time)
    {
        private readonly Dictionary<UInt128, long> lastSuccess = [];

        public bool Has(UInt128 pair, long now)
        {
            lock (lastSuccess)
            {
                return lastSuccess.TryGetValue(pair, out var at) && time.GetElapsedTime(at, now) < policy.FamiliarFor;
            }
        }

        public void Add(UInt128 pair, long now)
        {
            lock (lastSuccess)
            {
                if (!lastSuccess.ContainsKey(pair) && lastSuccess.Count >= policy.TrackedEntries)
                {
                    var oldest = lastSuccess.MinBy(p => p.Value).Key;
                    lastSuccess.Remove(oldest);
                }

                lastSuccess[pair] = now;
            }
        }

        public void Remove(UInt128 pair)
        {
            lock (lastSuccess)
            {
                lastSuccess.Remove(pair);
            }
        }
    }
}

/// <summary>
/// PBKDF2 on <see cref="SignInPolicy.MaxConcurrentHashes"/> threads of its own, behind a queue of
/// <see cref="SignInPolicy.MaxQueuedHashes"/>: a flood of sign-ins to check takes that share of the CPU and no more, and
/// never the thread pool's threads. (Measured: run on the pool, one 140 ms check after another left a 2-core server
/// one pool thread, and verified users' requests stalled for seconds behind the flood's.)
/// </summary>
internal sealed class HashGate : IDisposable
{
    private readonly BlockingCollection<Action> queue;
    private readonly Thread[] workers;
    private volatile bool stopping;

    public HashGate(SignInPolicy policy)
    {
        queue = new BlockingCollection<Action>(Math.Max(1, policy.MaxQueuedHashes));
        workers = [.. Enumerable.Range(0, policy.MaxConcurrentHashes).Select(i => new Thread(Work) { IsBackground = true, Name = $"rdv-pbkdf2-{i}" })];
        foreach (var worker in workers)
        {
            worker.Start();
        }
    }

    /// <summary>Runs <paramref name="check"/> on a hashing thread, or returns null at once when the queue is full.</summary>
    public Task<T?> RunAsync<T>(Func<T> check, CancellationToken cancellationToken)
        where T : struct
    {
        var result = new TaskCompletionSource<T?>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Run()
        {
            if (stopping || cancellationToken.IsCancellationRequested)
            {
                result.TrySetCanceled(cancellationToken.IsCancellationRequested ? cancellationToken : new CancellationToken(true));
                return;
            }

            try
            {
                result.TrySetResult(check());
            }
            catch (Exception e)
            {
                result.TrySetException(e);
            }
        }

        return stopping || !queue.TryAdd(Run) ? Task.FromResult<T?>(null) : result.Task.WaitAsync(cancellationToken);
    }

    private void Work()
    {
        foreach (var item in queue.GetConsumingEnumerable())
        {
            item();
        }
    }

    public void Dispose()
    {
        // What is still queued is cancelled, not hashed: stopping must not wait for a flood's backlog.
        stopping = true;
        queue.CompleteAdding();
        foreach (var worker in workers)
        {
            worker.Join();
        }

        queue.Dispose();
    }
}
