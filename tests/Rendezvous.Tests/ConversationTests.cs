using System.Xml.Linq;
using Rendezvous.Tests.Infrastructure;
using static Rendezvous.Tests.Infrastructure.EwsResponse;

namespace Rendezvous.Tests;

/// <summary>
/// Conversations (issue 17 §3) over HTTP, each response schema-validated: ConversationId and ConversationIndex kept on
/// messages, replies and forwards, FindConversation and GetConversationItems.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class ConversationTests(ServerFixture server)
{
    private const string Alice = ServerFixture.Alice;
    private const string Bob = ServerFixture.Bob;
    private const string Carol = ServerFixture.Carol;

    private const string ConversationFields =
        "<t:FieldURI FieldURI=\"item:ConversationId\"/><t:FieldURI FieldURI=\"message:ConversationIndex\"/><t:FieldURI FieldURI=\"message:ConversationTopic\"/><t:FieldURI FieldURI=\"message:InternetMessageId\"/>";

    private async Task<List<XElement>> FindAsync(string user, string folder, string subject)
    {
        var restriction = $"<t:Contains ContainmentMode=\"Substring\" ContainmentComparison=\"IgnoreCase\"><t:FieldURI FieldURI=\"item:Subject\"/><t:Constant Value=\"{subject}\"/></t:Contains>";
        return [.. (await server.CallAsync(user, Requests.FindItem(restriction: restriction, folder: folder, shape: "AllProperties"))).Ok().Descendants(T + "Message")];
    }

    private async Task<XElement> GetAsync(string user, string id) =>
        await server.GetItemAsync(user, id, shape: "Default", additional: ConversationFields);

    private static string Respond(string kind, string id, string to = "") =>
        $"""
        <m:CreateItem MessageDisposition="SendAndSaveCopy">
          <m:Items><t:{kind}><t:ReferenceItemId Id="{id}"/>{(to.Length > 0 ? $"<t:ToRecipients><t:Mailbox><t:EmailAddress>{to}</t:EmailAddress></t:Mailbox></t:ToRecipients>" : "")}<t:NewBodyContent BodyType="Text">answer</t:NewBodyContent></t:{kind}></m:Items>
        </m:CreateItem>
        """;

    private static string ConversationIdOf(XElement item) => item.Element(T + "ConversationId")!.Attribute("Id")!.Value;

    private static byte[] IndexOf(XElement item) => Convert.FromBase64String(item.T("ConversationIndex")!);

    /// <summary>Alice writes to Bob, Bob replies, Alice forwards the reply to Bob: one conversation in both mailboxes.</summary>
    private async Task<(string Topic, string Original, string Reply, string Forward)> ThreadAsync()
    {
        var topic = $"Thread {Guid.NewGuid():N}";
        (await server.CallAsync(Alice, $"""
            <m:CreateItem MessageDisposition="SendAndSaveCopy"><m:Items><t:Message><t:Subject>{topic}</t:Subject><t:Body BodyType="Text">first</t:Body>
              <t:ToRecipients><t:Mailbox><t:EmailAddress>{Bob}</t:EmailAddress></t:Mailbox></t:ToRecipients></t:Message></m:Items></m:CreateItem>
            """)).Ok();
        var original = Assert.Single(await FindAsync(Bob, "inbox", topic)).ItemId().Id;
        (await server.CallAsync(Bob, Respond("ReplyToItem", original))).Ok();
        var reply = Assert.Single(await FindAsync(Alice, "inbox", "RE: " + topic)).ItemId().Id;
        (await server.CallAsync(Alice, Respond("ForwardItem", reply, Bob))).Ok();
        var forward = Assert.Single(await FindAsync(Bob, "inbox", "FW: RE: " + topic)).ItemId().Id;
        return (topic, original, reply, forward);
    }

    [Fact]
    public async Task A_reply_and_a_forward_join_their_originals_conversation_with_a_child_block_each()
    {
        var (topic, originalId, replyId, forwardId) = await ThreadAsync();
        var original = await GetAsync(Bob, originalId);
        var reply = await GetAsync(Alice, replyId);
        var forward = await GetAsync(Bob, forwardId);
        var sent = await GetAsync(Alice, Assert.Single(await FindAsync(Alice, "sentitems", topic), m => m.T("Subject") == topic).ItemId().Id);

        // The delivered copy and the sender's copy are one conversation; the reply and the forward join it.
        var conversation = ConversationIdOf(original);
        Assert.All(new[] { reply, forward, sent }, i => Assert.Equal(conversation, ConversationIdOf(i)));
        Assert.Equal(22, IndexOf(original).Length);
        Assert.Equal(IndexOf(sent), IndexOf(original));
        Assert.Equal(27, IndexOf(reply).Length);
        Assert.Equal(IndexOf(original), IndexOf(reply)[..22]);
        Assert.Equal(32, IndexOf(forward).Length);
        Assert.Equal(IndexOf(reply), IndexOf(forward)[..27]);
        Assert.Equal(1, IndexOf(original)[0]);
        Assert.All(new[] { original, reply, forward }, i => Assert.Equal(topic, i.T("ConversationTopic")));
    }

    [Fact]
    public async Task A_message_whose_InReplyTo_names_a_known_Message_ID_joins_its_conversation()
    {
        var topic = $"Parent {Guid.NewGuid():N}";
        (await server.CallAsync(Alice, $"""
            <m:CreateItem MessageDisposition="SendOnly"><m:Items><t:Message><t:Subject>{topic}</t:Subject>
              <t:ToRecipients><t:Mailbox><t:EmailAddress>{Bob}</t:EmailAddress></t:Mailbox></t:ToRecipients></t:Message></m:Items></m:CreateItem>
            """)).Ok();
        var parent = await GetAsync(Bob, Assert.Single(await FindAsync(Bob, "inbox", topic)).ItemId().Id);
        var messageId = parent.T("InternetMessageId");
        Assert.NotNull(messageId);
        var child = (await server.CallAsync(Bob,
            $"<m:CreateItem MessageDisposition=\"SaveOnly\"><m:Items><t:Message><t:Subject>Re: {topic}</t:Subject><t:InReplyTo>{System.Security.SecurityElement.Escape(messageId)}</t:InReplyTo></t:Message></m:Items></m:CreateItem>")).Ok();
        var joined = await GetAsync(Bob, child.ItemId().Id);
        Assert.Equal(ConversationIdOf(parent), ConversationIdOf(joined));
        Assert.Equal(27, IndexOf(joined).Length);
        Assert.Equal(topic, joined.T("ConversationTopic"));
    }

    [Fact]
    public async Task An_item_without_a_stored_conversation_gets_one_derived_from_its_id()
    {
        var (id, _) = await server.CreateAppointmentAsync(Alice, $"No thread {Guid.NewGuid():N}");
        var first = await server.GetItemAsync(Alice, id, shape: "IdOnly", additional: "<t:FieldURI FieldURI=\"item:ConversationId\"/>");
        var second = await server.GetItemAsync(Alice, id, shape: "IdOnly", additional: "<t:FieldURI FieldURI=\"item:ConversationId\"/>");
        Assert.Equal(ConversationIdOf(first), ConversationIdOf(second));
    }

    private async Task<XElement> FindConversationAsync(string user, string folder = "inbox", string sort = "")
    {
        var response = await server.CallAsync(user, $"""
            <m:FindConversation><m:IndexedPageItemView BasePoint="Beginning" MaxEntriesReturned="1000" Offset="0"/>{sort}
              <m:ParentFolderId><t:DistinguishedFolderId Id="{folder}"/></m:ParentFolderId></m:FindConversation>
            """, "Exchange2010_SP1");
        var message = response.Document.Descendants(M + "FindConversationResponse").Single();
        Assert.Equal("Success", (string?)message.Attribute("ResponseClass"));
        return message;
    }

    [Fact]
    public async Task FindConversation_in_the_Inbox_counts_the_folders_and_the_mailboxs_messages_and_follows_a_read()
    {
        var (topic, originalId, _, forwardId) = await ThreadAsync();
        var conversation = ConversationIdOf(await GetAsync(Bob, originalId));
        XElement Mine(XElement found) => found.Descendants(T + "Conversation").Single(c => ConversationIdOf(c) == conversation);

        var found = await FindConversationAsync(Bob);
        var c = Mine(found);
        Assert.Equal(topic, c.T("ConversationTopic"));
        Assert.Equal("2", c.T("MessageCount")); // the original and the forward, in Bob's Inbox
        Assert.Equal("3", c.T("GlobalMessageCount")); // and Bob's reply, in his Sent Items
        Assert.Equal("2", c.T("UnreadCount"));
        Assert.Equal(2, c.Element(T + "ItemIds")!.Elements(T + "ItemId").Count());
        Assert.Contains("Alice Martin", c.Element(T + "UniqueSenders")!.Elements(T + "String").Select(s => s.Value));
        Assert.NotNull(found.Element(M + "TotalConversationsInView"));

        var forward = await GetAsync(Bob, forwardId);
        (await server.CallAsync(Bob, Requests.SetField(forward.ItemId().Id, forward.ItemId().ChangeKey, "message:IsRead", "<t:IsRead>true</t:IsRead>", element: "Message"))).Ok();
        Assert.Equal("1", Mine(await FindConversationAsync(Bob)).T("UnreadCount"));

        // Newest first by default; by topic when asked; Carol has no part in it.
        var byTopic = await FindConversationAsync(Bob, sort: "<m:SortOrder><t:FieldOrder Order=\"Ascending\"><t:FieldURI FieldURI=\"conversation:ConversationTopic\"/></t:FieldOrder></m:SortOrder>");
        Assert.Contains(byTopic.Descendants(T + "Conversation"), x => ConversationIdOf(x) == conversation);
        Assert.DoesNotContain((await FindConversationAsync(Carol)).Descendants(T + "Conversation"), x => ConversationIdOf(x) == conversation);
    }

    private async Task<EwsResponse> GetConversationItemsAsync(string user, string conversation, string order, string ignore = "")
    {
        return await server.CallAsync(user, $"""
            <m:GetConversationItems>
              <m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="item:Subject"/></t:AdditionalProperties></m:ItemShape>
              {ignore}<m:SortOrder>{order}</m:SortOrder>
              <m:Conversations><t:Conversation><t:ConversationId Id="{conversation}"/></t:Conversation></m:Conversations>
            </m:GetConversationItems>
            """, "Exchange2013_SP1");
    }

    [Fact]
    public async Task GetConversationItems_gives_the_nodes_in_tree_order_both_ways_with_their_parents()
    {
        var (topic, originalId, _, _) = await ThreadAsync();
        var original = await GetAsync(Bob, originalId);
        var conversation = ConversationIdOf(original);

        var ascending = (await GetConversationItemsAsync(Bob, conversation, "TreeOrderAscending")).Ok();
        var nodes = ascending.Descendants(T + "ConversationNode").ToList();
        Assert.Equal([topic, "RE: " + topic, "FW: RE: " + topic], nodes.Select(n => n.T("Subject")!));
        Assert.Equal(original.T("InternetMessageId"), nodes[0].Element(T + "InternetMessageId")!.Value);
        Assert.Null(nodes[0].Element(T + "ParentInternetMessageId"));
        Assert.Equal(nodes[0].Element(T + "InternetMessageId")!.Value, nodes[1].Element(T + "ParentInternetMessageId")!.Value);
        Assert.Equal(nodes[1].Element(T + "InternetMessageId")!.Value, nodes[2].Element(T + "ParentInternetMessageId")!.Value);

        var descending = (await GetConversationItemsAsync(Bob, conversation, "TreeOrderDescending")).Ok();
        Assert.Equal(["FW: RE: " + topic, "RE: " + topic, topic], descending.Descendants(T + "ConversationNode").Select(n => n.T("Subject")!));
        var byDate = (await GetConversationItemsAsync(Bob, conversation, "DateOrderAscending")).Ok();
        Assert.Equal(3, byDate.Descendants(T + "ConversationNode").Count());

        // Without Sent Items, Bob's reply is not there; Carol finds nothing of it.
        var ignored = (await GetConversationItemsAsync(Bob, conversation, "TreeOrderAscending",
            "<m:FoldersToIgnore><t:DistinguishedFolderId Id=\"sentitems\"/></m:FoldersToIgnore>")).Ok();
        Assert.Equal([topic, "FW: RE: " + topic], ignored.Descendants(T + "ConversationNode").Select(n => n.T("Subject")!));
        Assert.Equal("ErrorItemNotFound", (await GetConversationItemsAsync(Carol, conversation, "TreeOrderAscending")).Code());
    }

    [Fact]
    public async Task Another_users_folder_and_a_bad_sort_order_are_refused_without_a_crash()
    {
        var bobsInbox = (await server.CallAsync(Bob,
            "<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id=\"inbox\"/></m:FolderIds></m:GetFolder>"))
            .Ok().Descendants(T + "FolderId").Single().Attribute("Id")!.Value;
        var response = await server.CallAsync(Alice, $"""
            <m:FindConversation><m:IndexedPageItemView BasePoint="Beginning" MaxEntriesReturned="10" Offset="0"/>
              <m:ParentFolderId><t:FolderId Id="{bobsInbox}"/></m:ParentFolderId></m:FindConversation>
            """, "Exchange2010_SP1");
        var message = response.Document.Descendants(M + "FindConversationResponse").Single();
        Assert.Equal("ErrorFolderNotFound", message.Element(M + "ResponseCode")!.Value);

        var badOrder = await GetConversationItemsAsync(Alice, "AAAA", "Sideways");
        Assert.Equal("a:ErrorSchemaValidation", badOrder.FaultCode);
        Assert.Equal("ErrorItemNotFound", (await GetConversationItemsAsync(Alice, "AAAA", "DateOrderDescending")).Code());
    }
}

/// <summary>The conversation index's layout ([MS-OXOMSG] 2.2.1.3) and the normalized subject, as pure functions.</summary>
public sealed class ConversationIndexTests
{
    private static readonly DateTime Start = new(2026, 12, 2, 15, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void A_new_index_is_the_high_six_bytes_of_the_FILETIME_from_0x01_and_the_GUID()
    {
        var guid = Guid.Parse("00112233-4455-6677-8899-aabbccddeeff");
        var index = Domain.Conversations.NewIndex(Start, guid);
        Assert.Equal(22, index.Length);
        Assert.Equal(1, index[0]);
        var time = (ulong)Start.ToFileTimeUtc();
        Assert.Equal(Enumerable.Range(0, 6).Select(i => (byte)(time >> (56 - (8 * i)))), index[..6]);
        Assert.Equal(Convert.FromHexString("00112233445566778899AABBCCDDEEFF"), index[6..]);
        Assert.Equal(Convert.ToBase64String(index[6..]), Domain.Conversations.IdOf(index));
    }

    [Fact]
    public void A_child_block_holds_the_time_since_the_header_in_units_of_2_to_the_18th()
    {
        var header = Domain.Conversations.NewIndex(Start, Guid.NewGuid());
        var child = Domain.Conversations.ChildIndex(header, Start.AddHours(1), 0);
        Assert.Equal(27, child.Length);
        Assert.Equal(header, child[..22]);
        var headerTime = (ulong)Start.ToFileTimeUtc() & 0xFFFFFFFFFFFF0000;
        var delta = (ulong)Start.AddHours(1).ToFileTimeUtc() - headerTime;
        var block = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(child.AsSpan(22));
        Assert.Equal(0u, block >> 31); // DeltaCode 0: the delta fits in 49 bits
        Assert.Equal((uint)(delta >> 18), block);
    }

    [Theory]
    [InlineData("RE: Lunch", "Lunch")]
    [InlineData("FW: RE: Lunch", "RE: Lunch")]
    [InlineData("AW: Lunch", "Lunch")]
    [InlineData("Accepted: Lunch", "Accepted: Lunch")]
    [InlineData("10: Lunch", "10: Lunch")]
    [InlineData("Lunch", "Lunch")]
    public void The_topic_is_the_subject_without_its_prefix(string subject, string topic) =>
        Assert.Equal(topic, Domain.Conversations.Topic(subject));
}
