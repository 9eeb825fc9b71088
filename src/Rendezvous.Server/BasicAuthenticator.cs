using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Rendezvous.Store;

namespace Rendezvous.Server;

/// <summary>
/// HTTP Basic against the slow password hashes. A successful check is remembered as a keyed digest so that
/// later requests of the same session skip PBKDF2; a password change invalidates it (the stored hash differs).
/// </summary>
public sealed class BasicAuthenticator(IMailStore store)
{
    private readonly byte[] key = RandomNumberGenerator.GetBytes(32);
    private readonly ConcurrentDictionary<string, (string StoredHash, byte[] Digest)> verified = new(StringComparer.OrdinalIgnoreCase);

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

        var address = decoded[..colon];
        var password = decoded[(colon + 1)..];
        // Note: some clients send DOMAIN\user; the mailbox is named by its SMTP address here.
        var user = await store.FindUserAsync(address, cancellationToken);
        if (user is null)
        {
            return null;
        }

        var digest = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(user.MailboxId + "\0" + password));
        if (verified.TryGetValue(user.MailboxId, out var known) && known.StoredHash == user.PasswordHash
            && CryptographicOperations.FixedTimeEquals(known.Digest, digest))
        {
            return user;
        }

        if (!PasswordHasher.Verify(password, user.PasswordHash))
        {
            return null;
        }

        verified[user.MailboxId] = (user.PasswordHash, digest);
        return user;
    }
}
