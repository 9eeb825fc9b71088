using System.Xml.Linq;
using Microsoft.AspNetCore.StaticFiles;
using Rendezvous.Domain;
using Rendezvous.Edge;
using Rendezvous.Protocol;

namespace Rendezvous.Server.Edge;

/// <summary>
/// Attachments read from requests: CreateAttachment's, and those inline in CreateItem's items (and in attached items,
/// to any depth Exchange allows). A file's content comes from the request's <see cref="BinarySpool"/> when the
/// parser decoded it there, so its bytes are never a string.
/// </summary>
public static class AttachmentReaders
{
    /// <summary>Exchange refuses an item with more than ten levels of attached items.</summary>
    public const int MaxNesting = Mime.AttachmentParts.MaxNesting;

    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    /// <summary>CreateAttachment: the parent item and the attachment elements (counted).</summary>
    public static async Task<(ItemRef Parent, List<XElement> Attachments)> CreateAttachmentAsync(EwsRequest request)
    {
        var op = request.Operation;
        var parentElement = EwsRequest.Required(op, "ParentItemId");
        var parent = new ItemRef(ItemReader.RequiredAttribute(parentElement, "Id"), (string?)parentElement.Attribute("ChangeKey"));
        var attachments = await request.BatchAsync(EwsRequest.Required(op, "Attachments"), request.Limits.MaxItemsPerCreate, "attachments", nameof(RequestLimits.MaxItemsPerCreate));
        return (parent, attachments);
    }

    /// <summary>GetAttachment: the shape and the attachment ids (counted).</summary>
    public static async Task<(ItemShape Shape, bool MimeContent, List<XElement> Ids)> GetAttachmentAsync(EwsRequest request)
    {
        var op = request.Operation;
        var shape = new ItemShape(BaseShape.AllProperties, null, []);
        var mime = false;
        if (op.Element(Ews.M + "AttachmentShape") is { } shapeElement)
        {
            mime = shapeElement.Element(Ews.T + "IncludeMimeContent") is { } m && Values.Bool(m);
            var bodyType = shapeElement.Element(Ews.T + "BodyType") is { } b ? Values.Enum(b, SchemaValues.BodyTypeResponseType.All, "BodyTypeResponseType") : null;
            var additional = shapeElement.Element(Ews.T + "AdditionalProperties") is { } a
                ? request.ReadShape(new XElement(Ews.M + "ItemShape", new XElement(Ews.T + "BaseShape", SchemaValues.DefaultShapeNamesType.AllProperties), new XElement(a))).Additional
                : [];
            var filterHtml = shapeElement.Element(Ews.T + "FilterHtmlContent") is { } f && Values.Bool(f);
            shape = new ItemShape(BaseShape.AllProperties, bodyType, additional) { FilterHtmlContent = filterHtml };
        }

        var ids = await request.IdsAsync(EwsRequest.Required(op, "AttachmentIds"));
        return (shape, mime, ids);
    }

    /// <summary>DeleteAttachment: the attachment ids (counted).</summary>
    public static Task<List<XElement>> DeleteAttachmentAsync(EwsRequest request) => request.IdsAsync(EwsRequest.Required(request.Operation, "AttachmentIds"));

    /// <summary>An AttachmentId element's Id.</summary>
    public static string ReadId(XElement id) =>
        id.Name == Ews.T + "AttachmentId" ? ItemReader.RequiredAttribute(id, "Id") : throw ItemReader.Unexpected(id);

    /// <summary>
    /// An item element of CreateItem (or inside an item attachment) with its Attachments taken out and read: the item,
    /// and its new attachments (top-level first, each followed by those inside it), headers set on the item.
    /// </summary>
    public static (Item Item, List<NewAttachment> Attachments) ReadNewItem(XElement element, ReadContext context, BinarySpool? spool, DateTime now, int depth = 0)
    {
        var attachmentsElement = element.Element(Ews.T + "Attachments");
        attachmentsElement?.Remove();
        // A MimeContent's attachment parts are attachments of the new item (Thunderbird saves drafts and sent mail
        // so), before those of its Attachments element; all are checked by the same limits.
        var fromMime = new Mime.MimeAttachments(now, depth);
        var item = ItemReader.ReadNewItem(element, context with { MimeAttachments = fromMime });
        if (attachmentsElement is null && fromMime.Added.Count == 0)
        {
            return (item, []);
        }

        var attachments = new List<NewAttachment>(fromMime.Added);
        foreach (var a in attachmentsElement?.Elements() ?? [])
        {
            attachments.AddRange(Read(a, context, spool, now, null, depth));
        }

        item.Attachments = [.. attachments.Where(a => a.Header.ParentId is null).Select(a => a.Header)];
        return (item, attachments);
    }

    /// <summary>One attachment element: the new attachment, then (an item attachment's) those inside its item.</summary>
    public static List<NewAttachment> Read(XElement element, ReadContext context, BinarySpool? spool, DateTime now, string? parentId = null, int depth = 0)
    {
        var kind = element.Name.LocalName switch
        {
            "FileAttachment" => AttachmentKind.File,
            "ItemAttachment" => AttachmentKind.Item,
            "ReferenceAttachment" when context.Version >= AttachmentWriter.ReferenceAttachmentsSince => AttachmentKind.Reference,
            "ReferenceAttachment" => throw new EwsException(ResponseCodes.ErrorInvalidServerVersion,
                $"ReferenceAttachment is not in the schema of {context.Version}: send RequestServerVersion {AttachmentWriter.ReferenceAttachmentsSince} or later."),
            _ => throw ItemReader.Unexpected(element),
        };
        var header = new Attachment(Attachment.NewId(), kind) { ParentId = parentId, LastModifiedTime = now };
        var link = kind == AttachmentKind.Reference ? new ReferenceLink() : null;
        XElement? content = null;
        XElement? attached = null;
        foreach (var child in element.Elements())
        {
            if (child.Name.Namespace != Ews.T)
            {
                throw ItemReader.Unexpected(child);
            }

            switch (child.Name.LocalName)
            {
                case "Name": header = header with { Name = child.Value }; break;
                case "ContentType": header = header with { ContentType = child.Value }; break;
                case "ContentId": header = header with { ContentId = child.Value }; break;
                case "ContentLocation": header = header with { ContentLocation = child.Value }; break;
                case "IsInline": header = header with { IsInline = Values.Bool(child) }; break;
                case "IsContactPhoto" when kind == AttachmentKind.File: header = header with { IsContactPhoto = Values.Bool(child) }; break;
                case "Content" when kind == AttachmentKind.File: content = child; break;

                // A reference attachment's link, kept as given (the server never follows it).
                case "AttachLongPathName" when link is not null: link = link with { AttachLongPathName = child.Value }; break;
                case "ProviderType" when link is not null: link = link with { ProviderType = child.Value }; break;
                case "ProviderEndpointUrl" when link is not null: link = link with { ProviderEndpointUrl = child.Value }; break;
                case "AttachmentThumbnailUrl" when link is not null: link = link with { AttachmentThumbnailUrl = child.Value }; break;
                case "AttachmentPreviewUrl" when link is not null: link = link with { AttachmentPreviewUrl = child.Value }; break;
                case "PermissionType" when link is not null: link = link with { PermissionType = Values.Int(child, child.Value) }; break;
                case "OriginalPermissionType" when link is not null: link = link with { OriginalPermissionType = Values.Int(child, child.Value) }; break;
                case "AttachmentIsFolder" when link is not null: link = link with { AttachmentIsFolder = Values.Bool(child) }; break;

                // Given by the server: what a client sends is ignored, as Exchange does.
                case "AttachmentId" or "AttachmentOriginalUrl" or "Size" or "LastModifiedTime": break;
                default:
                    if (kind == AttachmentKind.Item && attached is null)
                    {
                        attached = child;
                        break;
                    }

                    throw ItemReader.Unexpected(child);
            }
        }

        if (link is not null)
        {
            // No bytes: the row holds the header alone, and Size is 0 (the file is the provider's).
            return [new NewAttachment(header with { Link = link, Size = 0 }, AttachmentContent.Bytes(0, static () => Stream.Null))];
        }

        if (kind == AttachmentKind.File)
        {
            var bytes = FileContent(content, spool);
            header = header with
            {
                Size = bytes.Length,
                ContentType = header.ContentType ?? (ContentTypes.TryGetContentType(header.Name ?? "", out var type) ? type : "application/octet-stream"),
            };
            return [new NewAttachment(header, bytes)];
        }

        if (attached is null)
        {
            throw new EwsException("ErrorMissingItemForCreateItemAttachment", "An item attachment needs the item it attaches.");
        }

        if (depth >= MaxNesting)
        {
            throw new EwsException(ResponseCodes.ErrorAttachmentNestLevelLimitExceeded, $"Attached items may be nested at most {MaxNesting} levels deep.");
        }

        var (item, inner) = ReadNewItem(attached, context, spool, now, depth + 1);
        // Inside an item attachment the item's own attachments are of this one (rows of the same root item).
        inner = [.. inner.Select(a => a.Header.ParentId is null ? a with { Header = a.Header with { ParentId = header.Id } } : a)];
        item.Attachments = [.. inner.Where(a => a.Header.ParentId == header.Id).Select(a => a.Header)];
        item.DateTimeCreated = now;
        item.LastModifiedTime = now;
        header = header with { Size = item.Size, ItemKind = item.Kind, Name = header.Name ?? item.Subject };
        return [new NewAttachment(header, AttachmentContent.Of(item)), .. inner];
    }

    /// <summary>A file's bytes: from the spool (a token in the text), or decoded from the text (no spool).</summary>
    private static AttachmentContent FileContent(XElement? content, BinarySpool? spool)
    {
        var text = content?.Value ?? "";
        if (spool is not null && BinarySpool.IsToken(text))
        {
            return AttachmentContent.Bytes(spool.LengthOf(text), () => spool.Open(text));
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            throw SoapRequest.Schema(content!, "The Content of a FileAttachment is not valid base64.");
        }

        return AttachmentContent.Bytes(bytes.Length, () => new MemoryStream(bytes, writable: false));
    }
}
