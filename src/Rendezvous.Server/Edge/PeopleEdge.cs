using System.Xml.Linq;
using Rendezvous.Domain;
using Rendezvous.Edge;
using Rendezvous.Protocol;
using Rendezvous.Services;

namespace Rendezvous.Server.Edge;

/// <summary>The people operations' requests read from, and responses written as, EWS (issue 17 §4).</summary>
public static class PeopleEdge
{
    /// <summary>What a contact or private list of the caller's folders is to name resolution, read from its stored fields.</summary>
    public static readonly IContactCards Cards = new ContactCardReader();

    /// <summary>ResolveNames: the entry, the scope, the folders, and the shape of the contact data asked for (all of it, unless told).</summary>
    public static (ResolveNamesRequest Request, BaseShape Shape) ReadResolveNames(EwsRequest request)
    {
        var op = request.Operation;
        var full = Values.Bool(op, ItemReader.RequiredAttribute(op, "ReturnFullContactData"));
        var scope = op.Attribute("SearchScope") is { } s
            ? Values.Enum(s, s.Value, SchemaValues.ResolveNamesSearchScopeType.All, "ResolveNamesSearchScopeType")
            : SchemaValues.ResolveNamesSearchScopeType.ActiveDirectoryContacts;
        var shape = op.Attribute("ContactDataShape") is { } c
            ? Values.Enum(c, c.Value, SchemaValues.DefaultShapeNamesType.All, "DefaultShapeNamesType") switch
            {
                SchemaValues.DefaultShapeNamesType.IdOnly => BaseShape.IdOnly,
                SchemaValues.DefaultShapeNamesType.AllProperties => BaseShape.AllProperties,
                _ => BaseShape.Default,
            }
            : BaseShape.AllProperties; // Full contact data, when the client names no shape.
        IReadOnlyList<FolderRef>? parents = op.Element(Ews.M + "ParentFolderIds") is { } ids
            ? [.. RequestLimits.Children(ids, request.Limits.MaxIdsPerRequest, "ids", nameof(RequestLimits.MaxIdsPerRequest)).Select(ItemReader.ReadFolderRef)]
            : null;
        var entry = EwsRequest.Required(op, "UnresolvedEntry").Value;
        return (new ResolveNamesRequest(entry, full, scope, parents), shape);
    }

    /// <summary>
    /// ResolveNames' response: one candidate is a success; several are a warning, ErrorNameResolutionMultipleResults,
    /// with every candidate, as Exchange answers (clients take the candidates from it); none is the error.
    /// </summary>
    public static Action<EwsWriter> ResolveNames(EwsRequest request, Outcome<ResolveNamesResult> outcome, bool full, BaseShape shape)
    {
        var context = request.WriteContext;
        return w =>
        {
            w.StartM("ResolveNamesResponse");
            w.StartM("ResponseMessages");
            w.StartM("ResolveNamesResponseMessage");
            if (outcome.Error is { } error)
            {
                w.Attr("ResponseClass", SchemaValues.ResponseClassType.Error);
                w.M("MessageText", Values.ErrorText(error.Message));
                w.M("ResponseCode", error.Code);
                w.M("DescriptiveLinkKey", "0");
            }
            else
            {
                var result = outcome.Value!;
                if (result.Total > 1)
                {
                    w.Attr("ResponseClass", SchemaValues.ResponseClassType.Warning);
                    w.M("MessageText", "Multiple results were found.");
                    w.M("ResponseCode", ResponseCodes.ErrorNameResolutionMultipleResults);
                    w.M("DescriptiveLinkKey", "0");
                }
                else
                {
                    w.Attr("ResponseClass", SchemaValues.ResponseClassType.Success);
                    w.M("ResponseCode", ResponseCodes.NoError);
                }

                w.StartM("ResolutionSet");
                w.Attr("TotalItemsInView", Values.Format(result.Total));
                w.Attr("IncludesLastItemInRange", Values.Format(result.IncludesLast));
                foreach (var resolution in result.Candidates)
                {
                    WriteResolution(w, resolution, full, shape, context);
                }

                w.End();
            }

            w.End();
            w.End();
            w.End();
        };
    }

    private static void WriteResolution(EwsWriter w, Resolution resolution, bool full, BaseShape shape, WriteContext context)
    {
        w.StartT("Resolution");
        WriteMailbox(w, resolution.Mailbox, resolution.Item);
        if (full && resolution.User is { } user)
        {
            // A directory entry's contact data: ContactItemType's sequence (DisplayName, EmailAddresses, ContactSource).
            w.StartT("Contact");
            if (shape != BaseShape.IdOnly)
            {
                w.T("DisplayName", user.DisplayName);
                w.StartT("EmailAddresses");
                w.StartT("Entry");
                w.Attr("Key", SchemaValues.EmailAddressKeyType.EmailAddress1);
                w.Xml.WriteString("SMTP:" + user.Address);
                w.End();
                w.End();
            }

            w.T("ContactSource", SchemaValues.ContactSourceType.ActiveDirectory);
            w.End();
        }
        else if (full && resolution.Item is { Kind: ItemKind.Contact } contact)
        {
            // Written by the item writer: it is a t:Contact, as ResolutionType's Contact is.
            ItemWriter.Write(w, contact, new ItemShape(shape, null, []), context);
        }

        w.End();
    }

    /// <summary>A resolved mailbox (EmailAddressType's sequence): a contact's or list's carries its ItemId, for GetItem or ExpandDL.</summary>
    private static void WriteMailbox(EwsWriter w, EmailAddress mailbox, Item? item)
    {
        w.StartT("Mailbox");
        if (mailbox.Name is { Length: > 0 } name)
        {
            w.T("Name", name);
        }

        if (mailbox.Address.Length > 0)
        {
            w.T("EmailAddress", mailbox.Address);
        }

        if (mailbox.RoutingType is { } routing)
        {
            w.T("RoutingType", routing);
        }

        if (mailbox.MailboxType is { } type)
        {
            w.T("MailboxType", type);
        }

        if (item is not null)
        {
            w.ItemId("ItemId", item.Id, item.ChangeNumber);
        }

        w.End();
    }

    /// <summary>ExpandDL's Mailbox: a list's EmailAddress, or a private list's ItemId.</summary>
    public static ExpandDLRequest ReadExpandDL(EwsRequest request)
    {
        var mailbox = EwsRequest.Required(request.Operation, "Mailbox");
        if (mailbox.Element(Ews.T + "ItemId") is { } id)
        {
            return new ExpandDLRequest(null, new ItemRef(ItemReader.RequiredAttribute(id, "Id"), (string?)id.Attribute("ChangeKey")));
        }

        return new ExpandDLRequest(mailbox.Element(Ews.T + "EmailAddress")?.Value, null);
    }

    /// <summary>ExpandDL's response: the members, all of them (IncludesLastItemInRange), each a Mailbox.</summary>
    public static Action<EwsWriter> ExpandDL(Outcome<IReadOnlyList<EmailAddress>> outcome) =>
        EwsRequest.Respond("ExpandDL", [outcome], (w, members) =>
        {
            w.StartM("DLExpansion");
            w.Attr("TotalItemsInView", Values.Format(members.Count));
            w.Attr("IncludesLastItemInRange", Values.Format(true));
            foreach (var member in members)
            {
                WriteMailbox(w, member, null);
            }

            w.End();
        });

    /// <summary>GetMailTips: the recipients' addresses (counted) and the tips asked for (a MailTipTypes list).</summary>
    public static async Task<(IReadOnlyList<string> Recipients, IReadOnlySet<string> Requested)> ReadMailTipsAsync(EwsRequest request)
    {
        var op = request.Operation;
        var recipients = await request.IdsAsync(EwsRequest.Required(op, "Recipients"));
        // Note: exchangelib puts the list in GetMailTips' own text instead of a MailTipsRequested (its mail_tips sends
        // "All" so), which Exchange takes; no list at all is every tip.
        var text = op.Element(Ews.M + "MailTipsRequested")?.Value ?? string.Concat(op.Nodes().OfType<XText>().Select(t => t.Value));
        var tips = (text.Trim().Length == 0 ? "All" : text).Split([' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        return ([.. recipients.Select(m => m.Element(Ews.T + "EmailAddress")?.Value ?? "")], tips);
    }

    /// <summary>
    /// GetMailTipsResponse: itself a response message, holding one MailTipsResponseMessageType per recipient (none
    /// without recipients: the array may not be empty), each tip in MailTips' sequence.
    /// </summary>
    public static Action<EwsWriter> MailTips(IReadOnlyList<MailTip> tips) => w =>
    {
        w.StartM("GetMailTipsResponse");
        w.Attr("ResponseClass", SchemaValues.ResponseClassType.Success);
        w.M("ResponseCode", ResponseCodes.NoError);
        if (tips.Count > 0)
        {
            w.StartM("ResponseMessages");
            foreach (var tip in tips)
            {
                SoapWriter.WriteMessage(w, "MailTipsResponseMessageType", null, w => WriteTip(w, tip));
            }

            w.End();
        }

        w.End();
    };

    private static void WriteTip(EwsWriter w, MailTip tip)
    {
        w.StartM("MailTips");
        w.StartT("RecipientAddress");
        if (tip.Recipient.Name is { Length: > 0 } name)
        {
            w.T("Name", name);
        }

        if (tip.Recipient.Address.Length > 0)
        {
            w.T("EmailAddress", tip.Recipient.Address);
        }

        w.T("RoutingType", "SMTP");
        if (tip.Recipient.MailboxType is { } type)
        {
            w.T("MailboxType", type);
        }

        w.End();
        w.T("PendingMailTips", "");
        if (tip.OutOfOffice is { } oof)
        {
            w.StartT("OutOfOffice");
            w.StartT("ReplyBody");
            w.T("Message", oof.Message);
            w.End();
            if (oof.Start is { } start && oof.End is { } end)
            {
                w.StartT("Duration");
                w.T("StartTime", Values.Format(start));
                w.T("EndTime", Values.Format(end));
                w.End();
            }

            w.End();
        }

        if (tip.MailboxFull is { } full)
        {
            w.T("MailboxFull", full);
        }

        if (tip.TotalMemberCount is { } total)
        {
            w.T("TotalMemberCount", total);
        }

        if (tip.ExternalMemberCount is { } external)
        {
            w.T("ExternalMemberCount", external);
        }

        if (tip.MaxMessageSize is { } size)
        {
            w.T("MaxMessageSize", size);
        }

        if (tip.DeliveryRestricted is { } restricted)
        {
            w.T("DeliveryRestricted", restricted);
        }

        if (tip.IsModerated is { } moderated)
        {
            w.T("IsModerated", moderated);
        }

        if (tip.InvalidRecipient is { } invalid)
        {
            w.T("InvalidRecipient", invalid);
        }

        w.End();
    }

    /// <summary>
    /// GetUserPhotoResponse: no mailbox here has a photo, so every one is ErrorItemNotFound, as Exchange answers a
    /// mailbox without one (HasChanged, which the schema requires, false).
    /// </summary>
    public static Action<EwsWriter> UserPhoto(EwsRequest request)
    {
        var op = request.Operation;
        _ = EwsRequest.Required(op, "Email");
        var size = EwsRequest.Required(op, "SizeRequested");
        if (!size.Value.Trim().StartsWith("HR", StringComparison.Ordinal))
        {
            throw SoapRequest.Schema(size, $"The value '{Values.Excerpt(size.Value)}' is not a valid UserPhotoSizeType.");
        }

        return w =>
        {
            w.StartM("GetUserPhotoResponse");
            w.Attr("ResponseClass", SchemaValues.ResponseClassType.Error);
            w.M("MessageText", "The specified object was not found in the store.");
            w.M("ResponseCode", ResponseCodes.ErrorItemNotFound);
            w.M("DescriptiveLinkKey", "0");
            w.M("HasChanged", Values.Format(false));
            w.End();
        };
    }

    /// <summary>Reads a contact's names and SMTP addresses, and a list's name, from their stored form (<see cref="ItemTypes"/>).</summary>
    private sealed class ContactCardReader : IContactCards
    {
        public ContactCard? Read(Item item)
        {
            switch (item.Kind)
            {
                case ItemKind.Contact:
                    var display = ItemTypes.DisplayName.Value(item) as string ?? item.Subject ?? "";
                    string[] names = [.. new[]
                    {
                        RawValue.Text(item, ItemProperties.ContactItemType_GivenName),
                        RawValue.Text(item, ItemProperties.ContactItemType_Surname),
                        RawValue.Text(item, ItemProperties.ContactItemType_Nickname),
                        RawValue.Text(item, ItemProperties.ContactItemType_MiddleName),
                    }.OfType<string>().Where(n => n.Length > 0)];
                    var addresses = RawValue.Element(item, ItemProperties.ContactItemType_EmailAddresses) is { } dictionary
                        ? dictionary.Elements(Ews.T + "Entry").Select(e => Smtp(e.Value)).Where(a => a.Contains('@', StringComparison.Ordinal)).ToArray()
                        : [];
                    return new ContactCard(display, names, addresses, IsList: false);
                case ItemKind.DistributionList:
                    var members = RawValue.Element(item, ItemProperties.DistributionListType_Members) is { } m
                        ? m.Elements(Ews.T + "Member").Select(x => x.Element(Ews.T + "Mailbox")).OfType<XElement>().Select(Member).ToArray()
                        : [];
                    return new ContactCard(RawValue.Text(item, ItemProperties.DistributionListType_DisplayName) ?? item.Subject ?? "", [], [], IsList: true) { Members = members };
                default:
                    return null;
            }
        }

        /// <summary>A private list's member as the list keeps it (a one-off when it says nothing of its type).</summary>
        private static EmailAddress Member(XElement mailbox) => new(
            mailbox.Element(Ews.T + "Name")?.Value,
            mailbox.Element(Ews.T + "EmailAddress")?.Value ?? "",
            mailbox.Element(Ews.T + "RoutingType")?.Value ?? "SMTP",
            mailbox.Element(Ews.T + "MailboxType")?.Value ?? SchemaValues.MailboxTypeType.OneOff);

        /// <summary>An address as a contact keeps it, "SMTP:" or not, bare.</summary>
        private static string Smtp(string value)
        {
            var text = value.Trim();
            return text.StartsWith("SMTP:", StringComparison.OrdinalIgnoreCase) ? text[5..].Trim() : text;
        }
    }
}
