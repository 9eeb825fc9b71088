using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Rendezvous.Store;

namespace Rendezvous.Server;

/// <summary>
/// HTTP Basic against the slow password hashes. A successful check is remembered as a keyed digest of the credentials,
/// so later requests skip PBKDF2; the user record itself is trusted for <see cref="Freshness"/> before it is read
/// again, because `rdv user passwd` and `rdv user remove` change it from another process. A password change or a
/// removal therefore takes effect within that second. (Bench, issue 6: reading the user on every request was a
/// quarter of a GetItem. IIS caches Basic logons for 15 minutes by default; one second keeps admin changes prompt.)
/// </summary>
public sealed class BasicAuthenticator(IMailStore store, ServerOptions options)
{
    public static readonly TimeSpan Freshness = TimeSpan.FromSeconds(1);

    private readonly byte[] key = RandomNumberGenerator.GetBytes(32);
    private readonly ConcurrentDictionary<string, Verified> verified = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The authenticated user, or null for missing or wrong credentials.</summary>
    public async Task<UserRecord?> AuthenticateAsync(string? authorization, CancellationToken cancellationToken)
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
        if (colon <= 0)
        {
            return null;
        }

        // Note: some clients send DOMAIN\user; the mailbox is named by its SMTP address here.
        var address = decoded[..colon];
        var password = decoded[(colon + 1)..];
        var digest = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(address.ToUpperInvariant() + "\0" + password));
        var now = options.Time.GetTimestamp();
        if (verified.TryGetValue(address, out var known) && options.Time.GetElapsedTime(known.CheckedAt, now) < Freshness
            && CryptographicOperations.FixedTimeEquals(known.Digest, digest))
        {
            return known.User;
        }

        var user = await store.FindUserAsync(address, cancellationToken);
        if (user is null)
        {
            verified.TryRemove(address, out _);
            return null;
        }

        // The same password as last time, against the same stored hash: no need to run PBKDF2 again.
        if (known is null || known.User.MailboxId != user.MailboxId || known.User.PasswordHash != user.PasswordHash
            || !CryptographicOperations.FixedTimeEquals(known.Digest, digest))
        {
            if (!PasswordHasher.Verify(password, user.PasswordHash))
            {
                return null;
            }
        }

        verified[address] = new Verified(user, digest, now);
        return user;
    }

    private sealed record Verified(UserRecord User, byte[] Digest, long CheckedAt);
}
