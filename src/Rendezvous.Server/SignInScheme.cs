using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Rendezvous.Store;

namespace Rendezvous.Server;

/// <summary>
/// Sign-in as an ASP.NET Core authentication scheme: an endpoint asks for a signed-in mailbox user with
/// <see cref="RequireMailboxUser{TBuilder}"/> (authorization metadata), and gets the user with <see cref="UserAsync"/>.
/// The scheme is never a default one, so nothing is authenticated for an endpoint that does not ask (a GET of "/", a
/// 405): wrong credentials sent there are not counted or logged, as before the scheme existed.
/// </summary>
public static class MailboxSignIn
{
    /// <summary>The scheme's name, which is also what its challenge says (WWW-Authenticate: Basic).</summary>
    public const string Scheme = "Basic";

    /// <summary>The authorization policy: a user signed in through <see cref="Scheme"/>.</summary>
    public const string Policy = "MailboxUser";

    /// <summary>The claim naming the mailbox; the address is the principal's name (and its email claim).</summary>
    public const string MailboxIdClaim = "rendezvous:mailbox";

    public static IServiceCollection AddMailboxSignIn(this IServiceCollection services, string realm)
    {
        // With one scheme registered ASP.NET Core makes it the default and authenticates every request with it; only the
        // endpoints that require a user may count a failure or run PBKDF2. This switch is ASP.NET's documented way out.
        AppContext.SetSwitch("Microsoft.AspNetCore.Authentication.SuppressAutoDefaultScheme", true);
        services.AddAuthentication()
            .AddScheme<BasicSignInOptions, BasicSignInHandler>(Scheme, o => o.Realm = realm);
        services.AddAuthorization(o => o.AddPolicy(Policy, p => p.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser()));
        // Likewise the "Authorization failed" line ASP.NET writes for every anonymous request (Information).
        services.AddLogging(l => l.AddFilter("Microsoft.AspNetCore.Authorization", LogLevel.Warning));
        return services;
    }

    /// <summary>The endpoint answers only a signed-in mailbox user; anyone else gets the scheme's challenge.</summary>
    public static TBuilder RequireMailboxUser<TBuilder>(this TBuilder endpoint)
        where TBuilder : IEndpointConventionBuilder => endpoint.RequireAuthorization(Policy);

    /// <summary>
    /// The signed-in user: the record the scheme resolved when it checked the credentials (so it is read once a request,
    /// and not at all within the verified-credential second), or, for a principal of another scheme, the mailbox its
    /// claim names. Null without a mailbox user.
    /// </summary>
    public static async Task<UserRecord?> UserAsync(HttpContext http, IMailStore store, CancellationToken cancellationToken)
    {
        if (http.User.Identities.OfType<MailboxIdentity>().FirstOrDefault() is { } identity)
        {
            return identity.User;
        }

        return http.User.FindFirst(MailboxIdClaim)?.Value is { } mailbox ? await store.FindUserByMailboxAsync(mailbox, cancellationToken) : null;
    }
}

/// <summary>The identity the scheme gives a signed-in user: the claims, and the user record they were made from.</summary>
public sealed class MailboxIdentity(UserRecord user)
    : ClaimsIdentity(
        [new Claim(MailboxSignIn.MailboxIdClaim, user.MailboxId), new Claim(ClaimTypes.Name, user.Address), new Claim(ClaimTypes.Email, user.Address)],
        MailboxSignIn.Scheme)
{
    public UserRecord User { get; } = user;
}

public sealed class BasicSignInOptions : AuthenticationSchemeOptions
{
    /// <summary>The realm named in the challenge.</summary>
    public string Realm { get; set; } = "Rendezvous";
}

/// <summary>
/// The "Basic" scheme over <see cref="BasicAuthenticator"/>, which keeps the whole policy (throttling, lockouts, the
/// PBKDF2 gate, the verified-credential cache, the dummy hash, the log lines). Authenticating records how the sign-in
/// ended; the challenge turns that into the response: a 401 with the Basic challenge (and Retry-After and the lockout
/// text when locked out), or a 503 when the PBKDF2 queue is full.
/// </summary>
/// <remarks>
/// ASP.NET's own lines for each refused or challenged request (Information) are not written: the authenticator logs
/// every checked failure once, and a flood refused during a lockout must not become a flood of log lines.
/// </remarks>
public sealed class BasicSignInHandler(IOptionsMonitor<BasicSignInOptions> options, UrlEncoder encoder, BasicAuthenticator authenticator)
    : AuthenticationHandler<BasicSignInOptions>(options, NullLoggerFactory.Instance, encoder)
{
    private static readonly byte[] LockedOut = "The referenced account is currently locked out. Try again later.\n"u8.ToArray();

    /// <summary>How this request's sign-in ended; the handler lives for one request, and ASP.NET authenticates it once.</summary>
    private SignInResult? signIn;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var result = await authenticator.SignInAsync(Request.Headers.Authorization, Context.Connection.RemoteIpAddress, Context.RequestAborted);
        signIn = result;
        return result switch
        {
            { User: { } user } => AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new MailboxIdentity(user)), Scheme.Name)),
            { Outcome: SignInOutcome.NoCredentials } => AuthenticateResult.NoResult(),
            _ => AuthenticateResult.Fail(result.Outcome.ToString()),
        };
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var response = Response;
        if (signIn is { Outcome: SignInOutcome.Busy } busy)
        {
            // Not a verdict on the credentials: exchangelib's fault-tolerant policy backs off on 503 and retries.
            response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            response.Headers.RetryAfter = Seconds(busy.RetryAfter);
            return;
        }

        // Note: exchangelib and DavMail first POST without credentials and need this challenge to send them.
        response.StatusCode = StatusCodes.Status401Unauthorized;
        response.Headers.WWWAuthenticate = $"Basic realm=\"{Options.Realm}\"";
        if (signIn is { Outcome: SignInOutcome.Throttled } throttled)
        {
            // Note: exchangelib reports this text as "The referenced account is currently locked out" (UnauthorizedError)
            // instead of "Invalid credentials", and its fault-tolerant policy waits for Retry-After before trying again.
            response.Headers.RetryAfter = Seconds(throttled.RetryAfter);
            response.ContentType = "text/plain; charset=utf-8";
            response.ContentLength = LockedOut.Length;
            await response.Body.WriteAsync(LockedOut, Context.RequestAborted);
        }
    }

    private static string Seconds(TimeSpan wait) => ((long)Math.Ceiling(Math.Max(1, wait.TotalSeconds))).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
