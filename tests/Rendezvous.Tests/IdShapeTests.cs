using Rendezvous.Protocol;

namespace Rendezvous.Tests;

/// <summary>
/// The id shape check keeps the ids it passed, to skip the SHA-512 next time (issue 14's regression): what it answers
/// must not change, for an id seen before, an id one character away from one seen before, or the other kind's. New ids
/// are format 3 (an XxHash128 check); format 2 ids (SHA-512) handed out before stay valid, as do their occurrences' ids.
/// </summary>
public sealed class IdShapeTests
{
    private const string Mailbox = "mbx-0123456789abcdef0123456789abcdef";

    [Fact]
    public void An_id_one_character_away_from_an_id_already_checked_is_malformed()
    {
        var id = EwsIds.NewItemId(Mailbox);
        Assert.True(EwsIds.IsItemId(id));
        Assert.True(EwsIds.IsItemId(id));
        // Every position: the ones the table is indexed by (100 to 103) and the others, which share the checked id's slot.
        for (var i = 0; i < id.Length; i++)
        {
            var altered = id[..i] + (id[i] == 'A' ? 'B' : 'A') + id[(i + 1)..];
            Assert.False(EwsIds.IsItemId(altered), $"altered at {i}");
        }

        Assert.False(EwsIds.IsItemId(id[..^4]));
        Assert.True(EwsIds.IsItemId(id));
    }

    [Fact]
    public void An_item_id_already_checked_is_still_not_a_folder_id_nor_the_reverse()
    {
        var item = EwsIds.NewItemId(Mailbox);
        var folder = EwsIds.NewFolderId(Mailbox);
        Assert.True(EwsIds.IsItemId(item));
        Assert.True(EwsIds.IsFolderId(folder));
        Assert.False(EwsIds.IsFolderId(item));
        Assert.False(EwsIds.IsItemId(folder));
        Assert.True(EwsIds.IsItemId(item));
        Assert.True(EwsIds.IsFolderId(folder));
    }

    [Fact]
    public void More_ids_than_the_table_holds_are_all_valid_however_often_checked()
    {
        var ids = Enumerable.Range(0, 2_000).Select(_ => EwsIds.NewItemId(Mailbox)).ToList();
        for (var round = 0; round < 3; round++)
        {
            Assert.All(ids, id => Assert.True(EwsIds.IsItemId(id)));
        }
    }

    [Fact]
    public void Ids_of_the_first_format_keep_their_answers()
    {
        var old = Convert.ToBase64String([0x49, 1, .. Guid.NewGuid().ToByteArray()]);
        Assert.Equal(24, old.Length);
        Assert.True(EwsIds.IsItemId(old));
        Assert.False(EwsIds.IsFolderId(old));
    }

    // A format 2 id as 2 December 2026's server made it (kind, version 2, mailbox GUID, item GUID, 16 zero bytes, then the
    // SHA-512 of those 50 bytes), built here the same way so the test does not depend on the code under test.
    private static string FormatTwoItemId(Guid mailbox, Guid item)
    {
        byte[] info = [0x49, 2, .. mailbox.ToByteArray(), .. item.ToByteArray(), .. new byte[16]];
        return Convert.ToBase64String([.. info, .. System.Security.Cryptography.SHA512.HashData(info)]);
    }

    [Fact]
    public void Ids_of_the_second_format_stay_valid_after_the_check_became_XxHash()
    {
        var id = FormatTwoItemId(Guid.Parse("0123456789abcdef0123456789abcdef"), Guid.NewGuid());
        Assert.Equal(EwsIds.Length, id.Length);
        Assert.True(EwsIds.IsItemId(id));
        Assert.False(EwsIds.IsFolderId(id));
        var altered = id[..60] + (id[60] == 'A' ? 'B' : 'A') + id[61..];
        Assert.False(EwsIds.IsItemId(altered));
    }

    [Fact]
    public void An_occurrence_of_a_second_format_master_keeps_that_format_and_gives_the_master_back()
    {
        var master = FormatTwoItemId(Guid.Parse("0123456789abcdef0123456789abcdef"), Guid.NewGuid());
        var occurrence = EwsIds.OccurrenceId(master, Mailbox, 7);
        Assert.True(EwsIds.IsItemId(occurrence));
        Assert.Equal(2, Convert.FromBase64String(occurrence)[1]);
        Assert.True(EwsIds.TryParseOccurrenceId(occurrence, out var back, out var index));
        Assert.Equal(master, back);
        Assert.Equal(7, index);
    }

    [Fact]
    public void New_ids_are_the_third_format_and_their_occurrences_too()
    {
        var master = EwsIds.NewItemId(Mailbox);
        Assert.Equal(3, Convert.FromBase64String(master)[1]);
        var occurrence = EwsIds.OccurrenceId(master, Mailbox, 3);
        Assert.Equal(3, Convert.FromBase64String(occurrence)[1]);
        Assert.True(EwsIds.TryParseOccurrenceId(occurrence, out var back, out var index));
        Assert.Equal(master, back);
        Assert.Equal(3, index);
    }

    /// <summary>
    /// An occurrence's id as it was made before the master's bytes were kept between calls (3 December): decoded from
    /// the master's id each time, marker and index in, the check of the master's format, all of it encoded. Ids clients
    /// hold must not change.
    /// </summary>
    private static string OccurrenceIdAsBefore(string masterId, int index)
    {
        var bytes = Convert.FromBase64String(masterId);
        bytes[34] = 0x4F;
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(35, 4), index);
        var info = bytes.AsSpan(0, 50);
        if (bytes[1] == 2)
        {
            System.Security.Cryptography.SHA512.HashData(info, bytes.AsSpan(50));
        }
        else
        {
            for (var seed = 0; seed < 4; seed++)
            {
                System.IO.Hashing.XxHash128.Hash(info, bytes.AsSpan(50 + (seed * 16), 16), seed);
            }
        }

        return Convert.ToBase64String(bytes);
    }

    [Fact]
    public void Occurrence_ids_made_from_a_kept_master_are_the_ids_made_before()
    {
        var masters = Enumerable.Range(0, 300).Select(i => i % 3 == 0 ? FormatTwoItemId(Guid.NewGuid(), Guid.NewGuid()) : EwsIds.NewItemId(Mailbox)).ToList();
        var random = new Random(16);
        for (var round = 0; round < 3; round++)
        {
            foreach (var master in masters)
            {
                var index = round == 0 ? 1 : random.Next(1, int.MaxValue);
                var id = EwsIds.OccurrenceId(master, Mailbox, index);
                Assert.Equal(OccurrenceIdAsBefore(master, index), id);
                Assert.True(EwsIds.TryParseOccurrenceId(id, out var back, out var parsed));
                Assert.Equal((master, index), (back, parsed));
            }
        }
    }
}
