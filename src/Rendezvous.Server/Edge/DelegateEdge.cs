using System.Xml.Linq;
using Rendezvous.Domain;
using Rendezvous.Edge;
using Rendezvous.Protocol;
using Rendezvous.Services;

namespace Rendezvous.Server.Edge;

/// <summary>
/// GetDelegate, AddDelegate, UpdateDelegate and RemoveDelegate read and written (issue 18 §2). Their responses are a
/// ResponseMessage of their own (the whole request's class and code) holding one DelegateUserResponseMessageType per
/// user, and GetDelegate's DeliverMeetingRequests after them.
/// </summary>
public static class DelegateEdge
{
    /// <summary>The DelegatePermissions elements, in DelegatePermissionsType's sequence, with the folder each names.</summary>
    private static readonly (string Element, string Folder)[] LevelElements =
    [
        ("CalendarFolderPermissionLevel", DelegateFolders.Calendar),
        ("TasksFolderPermissionLevel", DelegateFolders.Tasks),
        ("InboxFolderPermissionLevel", DelegateFolders.Inbox),
        ("ContactsFolderPermissionLevel", DelegateFolders.Contacts),
        ("NotesFolderPermissionLevel", DelegateFolders.Notes),
        ("JournalFolderPermissionLevel", DelegateFolders.Journal),
    ];

    public static async Task<GetDelegateRequest> ReadGetAsync(EwsRequest request)
    {
        var op = request.Operation;
        var include = Values.Bool(op, ItemReader.RequiredAttribute(op, "IncludePermissions"));
        IReadOnlyList<DelegateUserId>? ids = op.Element(Ews.M + "UserIds") is { } userIds ? [.. (await UsersAsync(request, userIds)).Select(ReadUserId)] : null;
        return new GetDelegateRequest(ReadMailbox(op), ids, include);
    }

    public static async Task<AddDelegateRequest> ReadAddAsync(EwsRequest request)
    {
        var op = request.Operation;
        var users = await UsersAsync(request, EwsRequest.Required(op, "DelegateUsers"));
        return new AddDelegateRequest(ReadMailbox(op), [.. users.Select(ReadSettings)], ReadDeliver(op));
    }

    public static async Task<UpdateDelegateRequest> ReadUpdateAsync(EwsRequest request)
    {
        var op = request.Operation;
        IReadOnlyList<DelegateUserSettings> users = op.Element(Ews.M + "DelegateUsers") is { } list ? [.. (await UsersAsync(request, list)).Select(ReadSettings)] : [];
        return new UpdateDelegateRequest(ReadMailbox(op), users, ReadDeliver(op));
    }

    public static async Task<RemoveDelegateRequest> ReadRemoveAsync(EwsRequest request)
    {
        var op = request.Operation;
        var ids = await UsersAsync(request, EwsRequest.Required(op, "UserIds"));
        return new RemoveDelegateRequest(ReadMailbox(op), [.. ids.Select(ReadUserId)]);
    }

    /// <summary>The principal: m:Mailbox's t:EmailAddress.</summary>
    private static string ReadMailbox(XElement op)
    {
        var mailbox = EwsRequest.Required(op, "Mailbox");
        return mailbox.Element(Ews.T + "EmailAddress")?.Value ?? throw SoapRequest.Schema(mailbox, "The Mailbox needs an EmailAddress.");
    }

    private static string? ReadDeliver(XElement op) =>
        op.Element(Ews.M + "DeliverMeetingRequests") is { } e ? Values.Enum(e, SchemaValues.DeliverMeetingRequestsType.All, "DeliverMeetingRequestsType") : null;

    /// <summary>A batch's users (UserIds or DelegateUsers), counted before any work as every batch is.</summary>
    private static Task<List<XElement>> UsersAsync(EwsRequest request, XElement parent) =>
        request.BatchAsync(parent, request.Limits.MaxIdsPerRequest, "delegate users", nameof(RequestLimits.MaxIdsPerRequest));

    private static DelegateUserId ReadUserId(XElement userId) => new(
        userId.Element(Ews.T + "SID")?.Value.Trim(),
        userId.Element(Ews.T + "PrimarySmtpAddress")?.Value.Trim(),
        userId.Element(Ews.T + "DistinguishedUser")?.Value.Trim());

    private static DelegateUserSettings ReadSettings(XElement user)
    {
        var id = user.Element(Ews.T + "UserId") ?? throw SoapRequest.Schema(user, "A DelegateUser needs a UserId.");
        var levels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (user.Element(Ews.T + "DelegatePermissions") is { } permissions)
        {
            foreach (var (element, folder) in LevelElements)
            {
                if (permissions.Element(Ews.T + element) is { } level)
                {
                    levels[folder] = Values.Enum(level, SchemaValues.DelegateFolderPermissionLevelType.All, "DelegateFolderPermissionLevelType");
                }
            }
        }

        bool? Flag(string name) => user.Element(Ews.T + name) is { } e ? Values.Bool(e) : null;
        return new DelegateUserSettings(ReadUserId(id), levels, Flag("ReceiveCopiesOfMeetingMessages"), Flag("ViewPrivateItems"));
    }

    /// <summary>
    /// The response: {operation}Response with the request's class and code; on success one DelegateUserResponseMessageType
    /// per user (none: no ResponseMessages, as Exchange answers a GetDelegate of a mailbox without delegates) and
    /// GetDelegate's DeliverMeetingRequests.
    /// </summary>
    public static Action<EwsWriter> Respond(string operation, Outcome<DelegateResult> outcome) => w =>
    {
        w.StartM(operation + "Response");
        if (outcome.Error is { } error)
        {
            ErrorClass(w, error.Code, error.Message);
            w.End();
            return;
        }

        var result = outcome.Value!;
        w.Attr("ResponseClass", SchemaValues.ResponseClassType.Success);
        w.M("ResponseCode", ResponseCodes.NoError);
        if (result.Users.Count > 0)
        {
            w.StartM("ResponseMessages");
            foreach (var user in result.Users)
            {
                w.StartM("DelegateUserResponseMessageType");
                if (user.Error is { } failure)
                {
                    var ews = EwsErrors.ToEws(failure);
                    ErrorClass(w, ews.Code, ews.Message);
                }
                else
                {
                    w.Attr("ResponseClass", SchemaValues.ResponseClassType.Success);
                    w.M("ResponseCode", ResponseCodes.NoError);
                    if (user.User is { } info)
                    {
                        WriteUser(w, info);
                    }
                }

                w.End();
            }

            w.End();
        }

        if (result.DeliverMeetingRequests is { } deliver)
        {
            w.M("DeliverMeetingRequests", deliver);
        }

        w.End();
    };

    private static void ErrorClass(EwsWriter w, string code, string message)
    {
        w.Attr("ResponseClass", SchemaValues.ResponseClassType.Error);
        w.M("MessageText", Values.ErrorText(message));
        w.M("ResponseCode", code);
        w.M("DescriptiveLinkKey", "0");
    }

    /// <summary>m:DelegateUser in DelegateUserType's sequence; a folder at None is left out, as Exchange writes them.</summary>
    private static void WriteUser(EwsWriter w, DelegateUserInfo info)
    {
        w.StartM("DelegateUser");
        w.StartT("UserId");
        w.T("SID", info.Sid);
        w.T("PrimarySmtpAddress", info.Address);
        w.T("DisplayName", info.DisplayName);
        w.End();
        if (info.Levels is { } levels)
        {
            w.StartT("DelegatePermissions");
            foreach (var (element, folder) in LevelElements)
            {
                if (levels.GetValueOrDefault(folder) is { } level && level != SchemaValues.DelegateFolderPermissionLevelType.None)
                {
                    w.T(element, level);
                }
            }

            w.End();
        }

        w.T("ReceiveCopiesOfMeetingMessages", info.ReceiveCopiesOfMeetingMessages);
        w.T("ViewPrivateItems", info.ViewPrivateItems);
        w.End();
    }
}
