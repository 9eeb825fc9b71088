using System.Globalization;
using System.Text;
using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Mime.Tests;

/// <summary>
/// Issue 15's calendar MIME with attachments (tests/data/mime, SOURCES.md): an invitation as Outlook, Google and
/// Thunderbird send one becomes a calendar item whose files and links are its attachments; another organizer's
/// invitation gives the owner's answer from their PARTSTAT.
/// </summary>
public sealed class CalendarAttachmentTests
{
    private const string Alice = "alice@example.com";

    private static readonly DateTime Now = new(2030, 1, 1, 8, 0, 0, DateTimeKind.Utc);

    private static (Item Item, List<NewAttachment> Attachments) Read(string file, string? owner = Alice)
    {
        var item = new Item { Kind = ItemKind.CalendarItem };
        var attachments = new MimeAttachments(Now, 0);
        MimeContent.Apply(item, File.ReadAllBytes(TestFiles.Mime(file)), null, attachments, owner);
        return (item, attachments.Added);
    }

    private static byte[] Bytes(NewAttachment attachment)
    {
        using var stream = attachment.Content.Open!();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static DateTime Utc(string text) => DateTime.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

    [Fact]
    public void An_inline_binary_ATTACH_is_a_file_attachment_and_an_https_one_a_reference_attachment()
    {
        var (item, attachments) = Read("rfc5545-binary-and-uri-attach.ics");
        Assert.Equal("Budget review", item.Subject);
        Assert.Equal(2, attachments.Count);

        var file = attachments[0];
        Assert.Equal(AttachmentKind.File, file.Header.Kind);
        Assert.Equal("agenda.txt", file.Header.Name);
        Assert.Equal("text/plain", file.Header.ContentType);
        Assert.Equal("Agenda\r\n1. Budget\r\n2. Hiring\r\n", Encoding.ASCII.GetString(Bytes(file)));
        Assert.Equal(file.Content.Length, file.Header.Size);

        var link = attachments[1];
        Assert.Equal(AttachmentKind.Reference, link.Header.Kind);
        Assert.Equal("Minutes.docx", link.Header.Name);
        Assert.Equal("https://drive.example.com/d/minutes", link.Header.Link?.AttachLongPathName);
        Assert.Equal(0, link.Content.Length);
        Assert.All(attachments, a => Assert.Null(a.Header.ParentId));
    }

    [Fact]
    public void Another_organizers_invitation_gives_the_owners_answer_from_their_PARTSTAT()
    {
        var (item, _) = Read("rfc5545-binary-and-uri-attach.ics");
        Assert.Equal("dana@elsewhere.example", item.Organizer?.Address);
        Assert.Equal(SchemaValues.ResponseTypeType.Tentative, item.MyResponseType);
        Assert.Contains(item.RequiredAttendees!, a => a.Mailbox.Is(Alice));
        Assert.Contains(item.OptionalAttendees!, a => a.Mailbox.Is("erin@elsewhere.example"));
    }

    [Fact]
    public void The_organizers_own_PARTSTAT_is_no_answer_of_theirs()
    {
        var (item, _) = Read("rfc5545-binary-and-uri-attach.ics", owner: "dana@elsewhere.example");
        Assert.Null(item.MyResponseType);
    }

    [Fact]
    public void Googles_drive_ATTACH_is_a_reference_attachment_named_by_its_FILENAME()
    {
        var (item, attachments) = Read("google-event-with-drive-attachment.ics");
        Assert.Equal("Do work", item.Subject);
        Assert.Null(item.MyResponseType); // A group calendar's event with no ATTENDEE: no one's answer.
        var link = Assert.Single(attachments);
        Assert.Equal(AttachmentKind.Reference, link.Header.Kind);
        Assert.Equal("Do work xx-xx-xx.docx", link.Header.Name);
        Assert.Equal("https://drive.google.com/a/xxx.com/file/d/0B6gb-XZ9hQAXSW5/view?usp=drive_web", link.Header.Link?.AttachLongPathName);
    }

    [Fact]
    public void An_Outlook_invitation_with_a_file_gives_the_event_and_the_file_but_not_its_calendar_part()
    {
        var (item, attachments) = Read("outlook-invitation-with-attachment.eml");
        Assert.Equal("Testaus", item.Subject);
        Assert.Equal("marge@example.org", item.Organizer?.Address);
        Assert.Equal(Utc("2021-11-27T07:00:00Z"), item.Start);
        Assert.Equal("FLE Standard Time", item.StartTimeZone?.Id);
        var pdf = Assert.Single(attachments);
        Assert.Equal(AttachmentKind.File, pdf.Header.Kind);
        Assert.Equal("agenda.pdf", pdf.Header.Name);
        Assert.Equal("application/pdf", pdf.Header.ContentType);
        Assert.Equal(125, pdf.Header.Size);
        Assert.StartsWith("%PDF-1.4", Encoding.ASCII.GetString(Bytes(pdf)), StringComparison.Ordinal);
    }

    [Fact]
    public void The_real_Outlook_invitation_without_a_file_gives_no_attachment()
    {
        var (item, attachments) = Read("outlook-invitation.eml");
        Assert.Equal("Testaus", item.Subject);
        Assert.Empty(attachments);
        // Alice is not among its attendees: no answer of hers is in it.
        Assert.Null(item.MyResponseType);
    }

    [Fact]
    public void A_file_URI_names_nothing_another_user_could_reach_and_is_left_out()
    {
        var (item, attachments) = Read("thunderbird-invitation-with-uri-attachment.eml");
        Assert.Equal("File Attachment Event", item.Subject);
        Assert.Equal("sender@example.com", item.Organizer?.Address);
        Assert.Empty(attachments);
    }

    [Fact]
    public void Without_a_place_for_new_attachments_the_ATTACH_values_are_not_read()
    {
        // UpdateItem: the item keeps the attachments it has.
        var item = new Item { Kind = ItemKind.CalendarItem };
        MimeContent.Apply(item, File.ReadAllBytes(TestFiles.Mime("rfc5545-binary-and-uri-attach.ics")), null);
        Assert.Equal("Budget review", item.Subject);
        Assert.Null(item.Attachments);
    }

    [Fact]
    public void A_reference_attachment_is_written_as_an_ATTACH_URI_that_reads_back_as_the_same_link()
    {
        var item = new Item
        {
            Kind = ItemKind.CalendarItem,
            Uid = "links-1",
            Subject = "With a link",
            Start = Utc("2030-03-04T14:00:00Z"),
            End = Utc("2030-03-04T15:00:00Z"),
            Attachments =
            [
                new Attachment(Attachment.NewId(), AttachmentKind.Reference)
                {
                    Name = "Plan; v2.xlsx",
                    ContentType = "application/vnd.ms-excel",
                    Link = new ReferenceLink { AttachLongPathName = "https://contoso.sharepoint.com/sites/x/Plan%20v2.xlsx", ProviderType = "OneDrivePro" },
                },
                new Attachment(Attachment.NewId(), AttachmentKind.File) { Name = "big.bin", Size = 10 },
            ],
        };
        var ics = Encoding.UTF8.GetString(MimeContent.Write(item));
        var attach = Assert.Single(Assert.Single(Ical.Net.Calendar.Load(ics)!.Events).Attachments);
        Assert.Equal("https://contoso.sharepoint.com/sites/x/Plan%20v2.xlsx", attach.Uri?.OriginalString);
        Assert.Equal("Plan; v2.xlsx", attach.Parameters.Get("FILENAME"));

        var back = new Item { Kind = ItemKind.CalendarItem };
        var added = new MimeAttachments(Now, 0);
        MimeContent.Apply(back, Encoding.UTF8.GetBytes(ics), null, added);
        var link = Assert.Single(added.Added);
        Assert.Equal("Plan; v2.xlsx", link.Header.Name);
        Assert.Equal("application/vnd.ms-excel", link.Header.ContentType);
        Assert.Equal("https://contoso.sharepoint.com/sites/x/Plan%20v2.xlsx", link.Header.Link?.AttachLongPathName);
    }
}
