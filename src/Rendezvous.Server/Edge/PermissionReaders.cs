using System.Xml.Linq;
using Rendezvous.Domain;
using Rendezvous.Edge;
using Rendezvous.Protocol;
using Rendezvous.Services;

namespace Rendezvous.Server.Edge;

/// <summary>A PermissionSet or CalendarPermissionSet read from a CreateFolder or an UpdateFolder (issue 18 §1).</summary>
public static class PermissionReaders
{
    private static readonly IReadOnlySet<string> Levels = new HashSet<string>(Enum.GetNames<PermissionLevel>(), StringComparer.Ordinal);
    private static readonly IReadOnlySet<string> Scopes = new HashSet<string>(Enum.GetNames<ItemScope>(), StringComparer.Ordinal);
    private static readonly IReadOnlySet<string> ReadAccesses = new HashSet<string>(Enum.GetNames<ReadAccess>(), StringComparer.Ordinal);
    private static readonly IReadOnlySet<string> DistinguishedUsers = new HashSet<string>([nameof(GranteeKind.Default), nameof(GranteeKind.Anonymous)], StringComparer.Ordinal);

    /// <summary>The entries of a PermissionSet element (its Permissions or CalendarPermissions).</summary>
    public static IReadOnlyList<RequestedPermission> Read(XElement set)
    {
        var list = set.Element(Ews.T + "Permissions") ?? set.Element(Ews.T + "CalendarPermissions")
            ?? throw SoapRequest.Schema(set, "A PermissionSet needs its Permissions (or CalendarPermissions).");
        return [.. list.Elements().Select(ReadOne)];
    }

    /// <summary>
    /// One Permission or CalendarPermission. A level other than Custom stands for its rights; rights given beside it must
    /// be that level's (a client sending back what it read), else ErrorInvalidPermissionSettings, as Exchange answers a
    /// level mixed with rights of its own. Custom, or no level, takes the rights given, each missing one as none.
    /// </summary>
    private static RequestedPermission ReadOne(XElement e)
    {
        var userId = e.Element(Ews.T + "UserId") ?? throw SoapRequest.Schema(e, "A permission needs a UserId.");
        var (kind, address) = ReadUser(userId);
        bool? Flag(string name) => e.Element(Ews.T + name) is { } x ? Values.Bool(x) : null;
        T? Choice<T>(string name, IReadOnlySet<string> allowed, string type)
            where T : struct, Enum =>
            e.Element(Ews.T + name) is { } x ? Enum.Parse<T>(Values.Enum(x, allowed, type)) : null;

        var levelElement = e.Element(Ews.T + "PermissionLevel") ?? e.Element(Ews.T + "CalendarPermissionLevel");
        var level = levelElement is null ? PermissionLevel.Custom : Enum.Parse<PermissionLevel>(Values.Enum(levelElement, Levels, "PermissionLevelType"));
        if (levelElement?.Name.LocalName == "PermissionLevel" && level is PermissionLevel.FreeBusyTimeOnly or PermissionLevel.FreeBusyTimeAndSubjectAndLocation)
        {
            throw SoapRequest.Schema(levelElement, $"The value '{level}' is not a valid PermissionLevelType.");
        }

        var readItems = Choice<ReadAccess>("ReadItems", ReadAccesses, "CalendarPermissionReadAccessType");
        var given = new FolderRights(
            Flag("CanCreateItems") ?? false,
            Flag("CanCreateSubFolders") ?? false,
            Flag("IsFolderOwner") ?? false,
            Flag("IsFolderVisible") ?? false,
            Flag("IsFolderContact") ?? false,
            Choice<ItemScope>("EditItems", Scopes, "PermissionActionType") ?? ItemScope.None,
            Choice<ItemScope>("DeleteItems", Scopes, "PermissionActionType") ?? ItemScope.None,
            readItems ?? ReadAccess.None);
        if (level == PermissionLevel.Custom)
        {
            return new RequestedPermission(kind, address, given, level);
        }

        var rights = FolderRights.Of(level);
        var anyGiven = e.Elements().Any(c => c.Name.LocalName is not ("UserId" or "PermissionLevel" or "CalendarPermissionLevel"));
        if (anyGiven && given != rights)
        {
            throw new EwsException(ResponseCodes.ErrorInvalidPermissionSettings, $"The rights given do not match the permission level {level}; give the level alone, or Custom with the rights.");
        }

        return new RequestedPermission(kind, address, rights, level);
    }

    /// <summary>A UserId: Default or Anonymous, else a user by PrimarySmtpAddress (a SID or a display name alone names no one here).</summary>
    private static (GranteeKind Kind, string? Address) ReadUser(XElement userId)
    {
        if (userId.Element(Ews.T + "DistinguishedUser") is { } distinguished)
        {
            return (Enum.Parse<GranteeKind>(Values.Enum(distinguished, DistinguishedUsers, "DistinguishedUserType")), null);
        }

        var address = userId.Element(Ews.T + "PrimarySmtpAddress")?.Value.Trim();
        if (string.IsNullOrEmpty(address))
        {
            throw new EwsException(ResponseCodes.ErrorInvalidUserInfo, "A permission's UserId needs a PrimarySmtpAddress or a DistinguishedUser.");
        }

        return (GranteeKind.User, address);
    }
}
