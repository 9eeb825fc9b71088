using System.Net;
using System.Xml.Linq;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests.Security;

/// <summary>
/// Real client requests (the fuzzing seeds in tools/fuzz/corpus) with each element in turn removed, emptied or
/// doubled, sent to the real server: every answer is a schema-valid EWS response or fault, none is
/// ErrorInternalServerError, which would mean the server failed on input instead of judging it, and none carries an
/// exception's name or stack trace. (Trust issue, defect 7.)
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class MutatedRequestSecurityTests(ServerFixture server)
{
    public static TheoryData<string> Seeds()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(Processes.RepositoryRoot, "tools", "fuzz", "corpus"), "*.xml").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task Mutated_client_requests_never_get_ErrorInternalServerError(string seed)
    {
        // The seeds name this server's users; their addresses are moved to a domain with no mailbox here, so that what the
        // mutated requests send (invitations with no subject, say) reaches no other test's mailbox.
        var text = await File.ReadAllTextAsync(Path.Combine(Processes.RepositoryRoot, "tools", "fuzz", "corpus", seed));
        var original = XDocument.Parse(text.Replace("@example.com", "@elsewhere.invalid", StringComparison.Ordinal));
        var body = original.Root!.Elements().Single(e => e.Name.LocalName == "Body");
        var count = body.Descendants().Count();

        // A mailbox of its own: what the mutated requests create must not reach the other tests' mailboxes.
        var user = $"mutated-{Guid.NewGuid():N}@example.com";
        await server.Server.Store.AddUserAsync(user, "Mutated", Store.PasswordHasher.Hash(ServerFixture.Password, 1000), CancellationToken.None);
        var failures = new List<string>();
        for (var index = 0; index < count; index++)
        {
            foreach (var mutation in new[] { "remove", "empty", "double" })
            {
                var doc = new XDocument(original);
                var target = doc.Root!.Elements().Single(e => e.Name.LocalName == "Body").Descendants().ElementAt(index);
                var what = $"{mutation} {target.Name.LocalName} (#{index})";
                switch (mutation)
                {
                    case "remove":
                        target.Remove();
                        break;
                    case "empty":
                        target.RemoveNodes();
                        foreach (var attribute in target.Attributes().Where(a => !a.IsNamespaceDeclaration))
                        {
                            attribute.Value = "";
                        }

                        break;
                    default:
                        target.AddAfterSelf(new XElement(target));
                        break;
                }

                // Note: the captures name the users of the session they were recorded in; here the answers differ only in not-found codes.
                var response = await server.PostAsync(user, doc.ToString(SaveOptions.DisableFormatting));
                var codes = response.Document.Descendants().Where(e => e.Name.LocalName is "ResponseCode" or "faultcode").Select(e => e.Value);
                var answer = response.Document.ToString(SaveOptions.DisableFormatting);
                if (codes.Any(c => c.EndsWith("ErrorInternalServerError", StringComparison.Ordinal)) || response.Status is not (HttpStatusCode.OK or HttpStatusCode.InternalServerError)
                    || answer.Contains("Exception", StringComparison.Ordinal) || answer.Contains(" at Rendezvous.", StringComparison.Ordinal))
                {
                    failures.Add(what + ": " + answer[..Math.Min(600, answer.Length)]);
                }
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} mutations of {seed} failed:\n" + string.Join("\n", failures.Take(10)));
    }
}
