using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Rendezvous.Store;

namespace Rendezvous.Server;

/// <summary>How a sign-in ended; the endpoint turns it into the response.</summary>
public enum SignInOutcome
{
    Success,

    /// <summary>No (or unreadable) Basic credentials: the client is challenged, nothing is counted.</summary>
    NoCredentials,

    /// <summary>Wrong password or unknown user: counted as a failure.</summary>
    Refused,

    /// <summary>Locked out (<see cref="SignInPolicy"/>): refused without checking the password.</summary>
    Throttled,

    /// <summary>Too many PBKDF2 checks waiting: refused without checking, try again shortly.</summary>
    Busy,
}

public readonly record struct SignInResult(SignInOutcome Outcome, UserRecord? User = null, TimeSpan RetryAfter = default);

/// <summary>
/// HTTP Basic against the slow password hashes. A successful check is remembered as a keyed digest of the credentials,
/// so later requests skip PBKDF2; the user record itself is trusted for <see cref="Freshness"/> before it is read
/// again, because `rdv user passwd` and `rdv user remove` change it from another process. A password change or a
/// removal therefore takes effect within that second. (Bench, issue 6: reading the user on every request was a
/// quarter of a GetItem. IIS caches Basic logons for 15 minutes by default; one second keeps admin changes prompt.)
/// Failed sign-ins are throttled per account and per client address (<see cref="SignInPolicy"/>), PBKDF2 runs behind
/// a bounded gate, and an unknown user is checked against a dummy hash of the production cost, so that it costs what a
/// known one costs (defect 5: 1.4 ms against 142 ms told a guesser which addresses exist).
/// </summary>
public sealed class BasicAuthenticator(IMailStore store, ServerOptions options, ILogger<BasicAuthenticator>? logger = null) : IDisposable
{
    public static readonly TimeSpan Freshness = TimeSpan.FromSeconds(1);

    private readonly byte[] key = RandomNumberGenerator.GetBytes(32);
    private readonly ConcurrentDictionary<string, Verified> verified = new(StringComparer.OrdinalIgnoreCase);
    private readonly SignInThrottle throttle = new(options.SignIn, options.Time, store);
    private readonly HashGate gate = new(options.SignIn);
    private readonly ILogger log = logger ?? NullLogger<BasicAuthenticator>.Instance;
    private readonly Lazy<string> dummyHash = new(() => PasswordHasher.Hash(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))));
    private long passwordChecks;

    private enum Check
    {
        Right,
        Wrong,
        Locked,
    }

    /// <summary>What checking an unknown user's password costs: the dummy hash's PBKDF2 iterations (made on first use).</summary>
    public int DummyHashIterations => PasswordHasher.IterationsOf(dummyHash.Value) ?? 0;

    /// <summary>PBKDF2 checks run so far (dummy ones included): what a lockout saves shows here.</summary>
    public long PasswordChecks => Interlocked.Read(ref passwordChecks);

    /// <summary>The authenticated user, or null for missing or wrong credentials (no client address: per-account throttling only).</summary>
    public async Task<UserRecord?> AuthenticateAsync(string? authorization, CancellationToken cancellationToken) =>
        (await SignInAsync(authorization, null, cancellationToken)).User;

    public async Task<SignInResult> SignInAsync(string? authorization, IPAddress? client, CancellationToken cancellationToken)
    {
        if (Parse(authorization) is not var (address, password))
        {
            return new SignInResult(SignInOutcome.NoCredentials);
        }

        client = ClientAddress.Of(client);
        var digest = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(address.ToUpperInvariant() + "\0" + password));
        var now = options.Time.GetTimestamp();
        verified.TryGetValue(address, out var known);
        var sameAsKnown = known is not null && CryptographicOperations.FixedTimeEquals(known.Digest, digest);

        // The throttle's keys are keyed hashes (three HMACs): a client signing in again as it last did reuses them
        // (bench: computing them was 5% of a GetItem).
        var keys = sameAsKnown && Equals(known!.Client, client) ? known.Keys : throttle.KeysFor(address, client);
        var verdict = throttle.Check(keys);
        if (verdict.Locked && !(verdict.Familiar && sameAsKnown))
        {
            if (verdict.Familiar)
            {
                // Note: a familiar address is let through a lockout only with credentials already verified; anything
                // else from it ends its familiarity, or it could test guesses against that memory for free.
                await FailedAsync(keys, address, client);
            }

            return Throttled(verdict.LockedFor);
        }

        if (sameAsKnown && options.Time.GetElapsedTime(known!.CheckedAt, now) < Freshness)
        {
            throttle.Succeeded(keys, verifiedNow: false);
            return new SignInResult(SignInOutcome.Success, known.User);
        }

        var user = await store.FindUserAsync(address, cancellationToken);
        var verifiedNow = false;
        if (user is null)
        {
            verified.TryRemove(address, out _);
            // Every guess meets the count of every node before it costs a PBKDF2 check (issue 19 §5).
            var shared = (await throttle.CheckSharedAsync(keys, cancellationToken)).LockedFor;
            if (shared > TimeSpan.Zero)
            {
                return Throttled(shared);
            }

            // The same PBKDF2 cost as a known user, so the time taken does not say whether the address exists.
            var dummy = await CheckAsync(keys, password, () => dummyHash.Value, cancellationToken);
            return dummy switch
            {
                null => Busy(),
                Check.Locked => Throttled(throttle.Check(keys).LockedFor),
                _ => await FailedAsync(keys, address, client),
            };
        }

        // The same password as last time, against the same stored hash: no need to run PBKDF2 again.
        if (!sameAsKnown || known!.User.MailboxId != user.MailboxId || known.User.PasswordHash != user.PasswordHash)
        {
            if (verdict.Locked || (verdict = await throttle.CheckSharedAsync(keys, cancellationToken)).Locked)
            {
                return Throttled(verdict.LockedFor);
            }

            switch (await CheckAsync(keys, password, () => user.PasswordHash, cancellationToken))
            {
                case null:
                    return Busy();
                case Check.Locked:
                    return Throttled(throttle.Check(keys).LockedFor);
                case Check.Wrong:
                    return await FailedAsync(keys, address, client);
            }

            verifiedNow = true;
        }

        verified[address] = new Verified(user, digest, now, client, keys);
        await throttle.SucceededAsync(keys, verifiedNow);
        return new SignInResult(SignInOutcome.Success, user);
    }

    public void Dispose() => gate.Dispose();

    private static (string Address, string Password)? Parse(string? authorization)
    {
        if (authorization is null || !authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(authorization[6..].Trim()));
        }
        catch (FormatException)
        {
            return null;
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        // Note: some clients send DOMAIN\user; the mailbox is named by its SMTP address here.
        return colon <= 0 ? null : (decoded[..colon], decoded[(colon + 1)..]);
    }

    /// <summary>
    /// PBKDF2 behind the gate; the lockouts are looked at again once a slot is ours (others may have failed meanwhile).
    /// The hash is asked for there too: the dummy one is made on first use, by a hashing thread, not a request's.
    /// </summary>
    private Task<Check?> CheckAsync(SignInThrottle.Keys keys, string password, Func<string> hash, CancellationToken cancellationToken) =>
        gate.RunAsync(() =>
        {
            if (throttle.Check(keys).Locked)
            {
                return Check.Locked;
            }

            Interlocked.Increment(ref passwordChecks);
            return PasswordHasher.Verify(password, hash()) ? Check.Right : Check.Wrong;
        }, cancellationToken);

    private async Task<SignInResult> FailedAsync(SignInThrottle.Keys keys, string address, IPAddress? client)
    {
        var failure = await throttle.FailedAsync(keys);
        ServerMetrics.SignInRefused(SignInOutcome.Refused);
        // One line per checked failure: the gate bounds how many there can be; refusals while locked out are not logged.
        log.LogWarning("Failed sign-in for {Account} from {Client}: {AccountFailures} failure(s) for the account, {ClientFailures} from the client{Lockout}",
            Printable(address), client?.ToString() ?? "?", failure.AccountFailures, failure.ClientFailures,
            failure.Lockout > TimeSpan.Zero ? $"; locked out for {Math.Ceiling(failure.Lockout.TotalSeconds)} s" : "");
        return new SignInResult(SignInOutcome.Refused);
    }

    private static SignInResult Throttled(TimeSpan wait)
    {
        ServerMetrics.SignInRefused(SignInOutcome.Throttled);
        return new(SignInOutcome.Throttled, RetryAfter: wait > TimeSpan.Zero ? wait : TimeSpan.FromSeconds(1));
    }

    private static SignInResult Busy()
    {
        ServerMetrics.SignInRefused(SignInOutcome.Busy);
        return new(SignInOutcome.Busy, RetryAfter: TimeSpan.FromSeconds(1));
    }

    /// <summary>The address as typed, short and without control characters, so it cannot forge or flood log lines.</summary>
    private static string Printable(string address)
    {
        var text = address.Length > 100 ? address[..100] + "…" : address;
        return string.Create(text.Length, text, (span, source) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = char.IsControl(source[i]) ? '?' : source[i];
            }
        });
    }

    private sealed record Verified(UserRecord User, byte[] Digest, long CheckedAt, IPAddress? Client, SignInThrottle.Keys Keys);
}
