using System.Xml.Linq;
using Rendezvous.Domain;
using Rendezvous.Edge;
using Rendezvous.Protocol;
using Rendezvous.Services;

namespace Rendezvous.Server.Edge;

/// <summary>FindConversation and GetConversationItems read from XML and written back (issue 17 §3).</summary>
public static class ConversationEdge
{
    /// <summary>FindConversation: its view, order and folder, and whether its ConversationShape asks for ids only.</summary>
    public static (FindConversationRequest Find, FolderRef Parent, bool IdOnly) ReadFindConversation(EwsRequest request)
    {
        var op = request.Operation;
        // Its schema has no fractional view; a SeekToConditionPageItemView is not read (the whole folder is the page).
        var paging = PagingReader.Read(op, "IndexedPageItemView", "FractionalPageItemView", request.Limits.MaxFindCount);
        ConversationSort? sort = null;
        if (op.Element(Ews.M + "SortOrder") is { } sortOrder)
        {
            // The first FieldOrder decides (conversations tie on LastDeliveryTime after it).
            if (sortOrder.Elements(Ews.T + "FieldOrder").FirstOrDefault() is { } field)
            {
                var order = ItemReader.RequiredAttribute(field, "Order");
                if (order is not (SchemaValues.SortDirectionType.Ascending or SchemaValues.SortDirectionType.Descending))
                {
                    throw SoapRequest.Schema(field, $"The value '{Values.Excerpt(order)}' is not a valid SortDirectionType.");
                }

                var uri = (string?)field.Element(Ews.T + "FieldURI")?.Attribute("FieldURI") ?? "";
                if (!ConversationService.SortFields.Contains(uri))
                {
                    throw new EwsException(ResponseCodes.ErrorUnsupportedPathForSortGroup, $"Sorting conversations by '{Values.Excerpt(uri)}' is not supported.");
                }

                sort = new ConversationSort(uri, order == SchemaValues.SortDirectionType.Descending);
            }
        }

        var parentElement = EwsRequest.Required(op, "ParentFolderId").Elements().SingleOrDefault()
            ?? throw SoapRequest.Schema(op, "ParentFolderId needs a folder.");
        var idOnly = op.Element(Ews.M + "ConversationShape")?.Element(Ews.T + "BaseShape")?.Value == SchemaValues.DefaultShapeNamesType.IdOnly;
        return (new FindConversationRequest(paging, sort), ItemReader.ReadFolderRef(parentElement), idOnly);
    }

    /// <summary>FindConversation's response: the response element is itself the response message, as the schema has it.</summary>
    public static Action<EwsWriter> FindConversation(Outcome<Page<ConversationSummary>> outcome, bool idOnly) => w =>
        SoapWriter.WriteMessage(w, "FindConversationResponse", outcome.Error, w =>
        {
            var page = outcome.Value!;
            w.StartM("Conversations");
            foreach (var c in page.Items)
            {
                WriteConversation(w, c, idOnly);
            }

            w.End();
            w.M("TotalConversationsInView", Values.Format(page.Total));
            w.M("IndexedOffset", Values.Format(page.NextOffset ?? page.Items.Count));
        });

    private static void WriteConversation(EwsWriter w, ConversationSummary c, bool idOnly)
    {
        w.StartT("Conversation");
        w.StartT("ConversationId");
        w.Attr("Id", c.Id);
        w.End();
        if (!idOnly)
        {
            // In ConversationType's sequence, each field then its Global (whole mailbox) variant.
            var (l, g) = (c.Local, c.Global);
            w.T("ConversationTopic", c.Topic);
            Strings(w, "UniqueRecipients", l.UniqueRecipients);
            Strings(w, "GlobalUniqueRecipients", g.UniqueRecipients);
            Strings(w, "UniqueUnreadSenders", l.UniqueUnreadSenders);
            Strings(w, "GlobalUniqueUnreadSenders", g.UniqueUnreadSenders);
            Strings(w, "UniqueSenders", l.UniqueSenders);
            Strings(w, "GlobalUniqueSenders", g.UniqueSenders);
            w.T("LastDeliveryTime", l.LastDeliveryTime);
            w.T("GlobalLastDeliveryTime", g.LastDeliveryTime);
            Strings(w, "Categories", l.Categories);
            Strings(w, "GlobalCategories", g.Categories);
            w.T("HasAttachments", l.HasAttachments);
            w.T("GlobalHasAttachments", g.HasAttachments);
            w.T("MessageCount", l.MessageCount);
            w.T("GlobalMessageCount", g.MessageCount);
            w.T("UnreadCount", l.UnreadCount);
            w.T("GlobalUnreadCount", g.UnreadCount);
            w.T("Size", l.Size);
            w.T("GlobalSize", g.Size);
            Strings(w, "ItemClasses", l.ItemClasses, itemClasses: true);
            Strings(w, "GlobalItemClasses", g.ItemClasses, itemClasses: true);
            w.T("Importance", l.Importance);
            w.T("GlobalImportance", g.Importance);
            Ids(w, "ItemIds", l.Items);
            Ids(w, "GlobalItemIds", g.Items);
            w.T("LastModifiedTime", g.LastModifiedTime);
        }

        w.End();
    }

    private static void Strings(EwsWriter w, string element, IReadOnlyList<string> values, bool itemClasses = false)
    {
        if (values.Count == 0)
        {
            return;
        }

        w.StartT(element);
        foreach (var v in values)
        {
            if (itemClasses)
            {
                w.T("ItemClass", v);
            }
            else
            {
                w.T("String", v);
            }
        }

        w.End();
    }

    private static void Ids(EwsWriter w, string element, IReadOnlyList<Item> items)
    {
        w.StartT(element);
        foreach (var i in items)
        {
            w.ItemId("ItemId", i.Id, i.ChangeNumber);
        }

        w.End();
    }

    /// <summary>GetConversationItems: its options, its ItemShape and its conversations (counted as ids).</summary>
    public static async Task<(GetConversationItemsRequest Options, ItemShape Shape, List<XElement> Conversations)> ReadGetConversationItemsAsync(EwsRequest request)
    {
        var op = request.Operation;
        var shape = request.ReadShape(EwsRequest.Required(op, "ItemShape"));
        var ignore = op.Element(Ews.M + "FoldersToIgnore") is { } folders
            ? (await request.IdsAsync(folders)).Select(ItemReader.ReadFolderRef).ToList()
            : [];
        int? max = null;
        if (op.Element(Ews.M + "MaxItemsToReturn") is { } maxElement)
        {
            max = Values.Int(maxElement);
            if (max <= 0)
            {
                throw new EwsException(ResponseCodes.ErrorInvalidRequest, "MaxItemsToReturn must be positive.");
            }
        }

        var sortOrder = op.Element(Ews.M + "SortOrder") is { } sort
            ? Values.Enum(sort, SchemaValues.ConversationNodeSortOrder.All, "ConversationNodeSortOrder")
            : SchemaValues.ConversationNodeSortOrder.TreeOrderAscending;
        var conversations = await request.IdsAsync(EwsRequest.Required(op, "Conversations"));
        return (new GetConversationItemsRequest(ignore, max, sortOrder), shape, conversations);
    }

    /// <summary>One t:Conversation of a GetConversationItems: its ConversationId's Id.</summary>
    public static string ConversationId(XElement conversation)
    {
        var id = conversation.Element(Ews.T + "ConversationId") ?? throw SoapRequest.Schema(conversation, "Conversation needs a ConversationId.");
        return (string?)id.Attribute("Id") ?? throw SoapRequest.Schema(id, "ConversationId needs an Id.");
    }

    /// <summary>GetConversationItems' response: per conversation its nodes, each with its items in the request's shape.</summary>
    public static Action<EwsWriter> GetConversationItems(EwsRequest request, IReadOnlyList<Outcome<(string Id, IReadOnlyList<ConversationNode> Nodes)>> outcomes, ItemShape shape)
    {
        var context = request.WriteContext;
        return EwsRequest.Respond("GetConversationItems", outcomes, (w, c) =>
        {
            w.StartM("Conversation");
            w.StartT("ConversationId");
            w.Attr("Id", c.Id);
            w.End();
            w.StartT("ConversationNodes");
            foreach (var node in c.Nodes)
            {
                w.StartT("ConversationNode");
                if (node.InternetMessageId is { } id)
                {
                    w.T("InternetMessageId", id);
                }

                if (node.ParentInternetMessageId is { } parent)
                {
                    w.T("ParentInternetMessageId", parent);
                }

                w.StartT("Items");
                foreach (var item in node.Items)
                {
                    ItemWriter.Write(w, item, shape, context);
                }

                w.End();
                w.End();
            }

            w.End();
            w.End();
        });
    }
}
