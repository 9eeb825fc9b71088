namespace Rendezvous.Protocol;

/// <summary>
/// What counts as an e-mail address in a Mailbox a client sends (recipients, attendees, From, Sender). An address
/// is routed, stored and written back into other users' items and headers, so anything that is not one (a CRLF,
/// a display name, a second address) is refused where it is read, with ErrorInvalidRecipients as Exchange does
/// ("At least one recipient isn't valid").
/// </summary>
public static class AddressRules
{
    /// <summary>RFC 5321 §4.5.3.1: a path is at most 256 octets with its angle brackets, so 254 for the address.</summary>
    public const int MaxLength = 254;

    private const int MaxLocalPart = 64;
    private const int MaxLabel = 63;

    // RFC 5322 atext besides letters and digits; a dot separates atoms.
    private const string AtomSpecials = "!#$%&'*+-/=?^_`{|}~";

    /// <summary>The address of a Mailbox, refused unless it is an address for its routing type.</summary>
    public static string Require(string address, string? routingType)
    {
        if (!IsValid(address, routingType))
        {
            throw new EwsException(ResponseCodes.ErrorInvalidRecipients, $"At least one recipient isn't valid: '{Values.Excerpt(address, oneLine: true)}' is not an e-mail address.");
        }

        return address;
    }

    /// <summary>
    /// An SMTP address (the routing type clients send, and the default) is a dot-atom local part, one '@' and a domain
    /// of letters, digits and hyphens (internationalized ones included, RFC 6531), with no spaces or control
    /// characters. Another routing type (EX and its legacy DN) keeps its own syntax, but never control characters.
    /// </summary>
    public static bool IsValid(string address, string? routingType)
    {
        if (address.Length is 0 or > MaxLength || address.Any(char.IsControl))
        {
            return false;
        }

        if (routingType is not null && !routingType.Equals("SMTP", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var at = address.LastIndexOf('@');
        if (at <= 0 || at > MaxLocalPart || at == address.Length - 1)
        {
            return false;
        }

        return IsDotAtom(address.AsSpan(0, at)) && IsDomain(address.AsSpan(at + 1));
    }

    private static bool IsDotAtom(ReadOnlySpan<char> local)
    {
        var previousDot = true; // no leading dot
        foreach (var c in local)
        {
            if (c == '.')
            {
                if (previousDot)
                {
                    return false;
                }

                previousDot = true;
                continue;
            }

            if (!(char.IsAsciiLetterOrDigit(c) || AtomSpecials.Contains(c, StringComparison.Ordinal) || c > 0x7F) || char.IsWhiteSpace(c))
            {
                return false;
            }

            previousDot = false;
        }

        return !previousDot;
    }

    private static bool IsDomain(ReadOnlySpan<char> domain)
    {
        foreach (var range in domain.Split('.'))
        {
            var label = domain[range];
            if (label.Length is 0 or > MaxLabel || label[0] == '-' || label[^1] == '-')
            {
                return false;
            }

            foreach (var c in label)
            {
                if (!(char.IsAsciiLetterOrDigit(c) || c == '-' || (c > 0x7F && !char.IsWhiteSpace(c))))
                {
                    return false;
                }
            }
        }

        return true;
    }
}
