using Rendezvous.Domain;
using Rendezvous.Edge;
using Rendezvous.Protocol;
using Rendezvous.Server.Edge;
using Rendezvous.Services;

namespace Rendezvous.Server.Handlers;

/// <summary>CreateAttachment, GetAttachment and DeleteAttachment (<see cref="AttachmentService"/>).</summary>
public static class AttachmentHandlers
{
    public static async Task<Action<EwsWriter>> CreateAttachment(EwsRequest request)
    {
        var (parent, elements) = await AttachmentReaders.CreateAttachmentAsync(request);
        var context = request.ReadContext;
        var now = request.Now;
        // Each attachment is read alone (one that cannot be read fails alone); those read are added in one change.
        var read = await request.PerItemAsync(elements, e => Task.FromResult(AttachmentReaders.Read(e, context, request.Soap.Spool, now).ToArray()));
        var accepted = read.Where(r => r.Error is null).Select(r => r.Value!).ToList();
        var created = await request.OneAsync(() => AttachmentService.CreateAsync(request.Session, parent, accepted));
        var outcomes = new List<Outcome<CreatedAttachment>>();
        var next = 0;
        foreach (var r in read)
        {
            if (r.Error is not null)
            {
                outcomes.Add(new Outcome<CreatedAttachment>(null, r.Error));
                continue;
            }

            var (value, error) = created.Error is null ? created.Value![next] : (null, null);
            next++;
            outcomes.Add(new Outcome<CreatedAttachment>(value, created.Error ?? (error is null ? null : EwsErrors.ToEws(error))));
        }

        var write = request.WriteContext;
        return EwsRequest.Respond("CreateAttachment", outcomes, (w, c) =>
        {
            w.StartM("Attachments");
            AttachmentWriter.Start(w, c.Header, c.RootItemId, write, (c.RootItemId, c.RootChangeNumber));
            w.End();
            w.End();
        }, errorContent: EmptyAttachments);
    }

    public static async Task<Action<EwsWriter>> GetAttachment(EwsRequest request)
    {
        var (shape, mime, ids) = await AttachmentReaders.GetAttachmentAsync(request);
        var session = request.Session;
        var outcomes = await request.PerItemAsync(ids, async e =>
        {
            var found = await AttachmentService.GetAsync(session, AttachmentReaders.ReadId(e));
            if (found.Header.Kind == AttachmentKind.Reference && request.Version < AttachmentWriter.ReferenceAttachmentsSince)
            {
                // The version's schema has no ReferenceAttachment element to answer with.
                throw new EwsException(ResponseCodes.ErrorInvalidServerVersion,
                    $"The attachment is a ReferenceAttachment, which the schema of {request.Version} does not have: send RequestServerVersion {AttachmentWriter.ReferenceAttachmentsSince} or later.");
            }

            // The bytes are read from the store while the response is written (into its spill-to-disk buffer).
            var content = found.Header.Kind == AttachmentKind.File ? request.Hold(await AttachmentService.OpenAsync(session, found)) : null;
            return (found, content);
        });

        // IncludeMimeContent: an item attachment's item with its MimeContent, whose parts are the attachments inside it.
        var source = mime
            ? await request.OpenAttachmentsAsync([.. outcomes.Where(o => o.Error is null && o.Value.found.Stored.AttachedItem is not null).Select(o => o.Value.found.Stored.ItemId).Distinct()])
            : null;
        var itemShape = mime ? shape with { IncludeMimeContent = true } : shape;
        var context = request.WriteContext;
        return EwsRequest.Respond("GetAttachment", outcomes, (w, r) =>
        {
            var (found, content) = r;
            var root = found.Stored.ItemId;
            w.StartM("Attachments");
            AttachmentWriter.Start(w, found.Header, root, context, rootIds: null);
            if (content is not null)
            {
                AttachmentWriter.WriteContent(w, content);
            }
            else if (found.Stored.AttachedItem is { } item)
            {
                ItemWriter.Write(w, item, itemShape, new WriteContext { Version = context.Version, Reader = context.Reader, AttachmentRootId = root, Attachments = source });
            }

            w.End();
            w.End();
        }, errorContent: EmptyAttachments);
    }

    public static async Task<Action<EwsWriter>> DeleteAttachment(EwsRequest request)
    {
        var ids = await AttachmentReaders.DeleteAttachmentAsync(request);
        var outcomes = await request.PerItemAsync(ids, e => AttachmentService.DeleteAsync(request.Session, AttachmentReaders.ReadId(e)));
        return EwsRequest.Respond("DeleteAttachment", outcomes, static (w, root) =>
        {
            w.StartM("RootItemId");
            w.Attr("RootItemId", root.RootItemId);
            w.Attr("RootItemChangeKey", ChangeKeys.Encode(root.RootChangeNumber));
            w.End();
        });
    }

    /// <summary>The Attachments element a failed AttachmentInfoResponseMessage still needs (the schema requires it).</summary>
    private static void EmptyAttachments(EwsWriter w)
    {
        w.StartM("Attachments");
        w.End();
    }
}
