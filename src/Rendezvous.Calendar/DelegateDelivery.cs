using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Calendar;

/// <summary>
/// What a principal's delegation says about its meeting messages: its DeliverMeetingRequests and the delegates who
/// receive copies of meeting messages (ReceiveCopiesOfMeetingMessages), in the order they were added.
/// </summary>
public sealed record MeetingDelegates(string DeliverMeetingRequests, IReadOnlyList<Mailbox> Recipients);

/// <summary>Where one meeting message for a principal goes: to the principal (maybe as an informational copy) and to which delegates.</summary>
public sealed record MeetingDelivery(bool ToPrincipal, bool PrincipalInformational, IReadOnlyList<Mailbox> ToDelegates)
{
    public static MeetingDelivery PrincipalOnly { get; } = new(true, false, []);
}

/// <summary>
/// The delivery of meeting messages addressed to a principal with delegates (issue 18 §2), as Exchange applies the
/// principal's DeliverMeetingRequests: pure functions of the delegation.
/// </summary>
public static class DelegateDelivery
{
    /// <summary>
    /// Where a meeting request, update or cancellation for the principal goes. NoForward, or no delegate receiving
    /// copies: the principal alone. DelegatesOnly: the delegates; DelegatesAndMe: both; DelegatesAndSendInformationToMe:
    /// the delegates, and the principal an informational copy of a request (a cancellation the principal gets as is).
    /// </summary>
    public static MeetingDelivery Plan(MeetingDelegates? delegates, ItemKind message)
    {
        if (delegates is null || delegates.Recipients.Count == 0 || delegates.DeliverMeetingRequests == SchemaValues.DeliverMeetingRequestsType.NoForward)
        {
            return MeetingDelivery.PrincipalOnly;
        }

        return delegates.DeliverMeetingRequests switch
        {
            SchemaValues.DeliverMeetingRequestsType.DelegatesOnly => new MeetingDelivery(false, false, delegates.Recipients),
            SchemaValues.DeliverMeetingRequestsType.DelegatesAndMe => new MeetingDelivery(true, false, delegates.Recipients),
            _ => new MeetingDelivery(true, message == ItemKind.MeetingRequest, delegates.Recipients),
        };
    }

    /// <summary>
    /// A delegate's copy of a meeting message delivered for the principal: received by the delegate, representing the
    /// principal (ReceivedBy, ReceivedRepresenting), marked delegated, still naming the principal's calendar item.
    /// </summary>
    public static Item DelegateCopy(Item delivered, Mailbox delegateMailbox, EmailAddress principal)
    {
        var copy = delivered.Clone();
        copy.ReceivedBy = new EmailAddress(delegateMailbox.DisplayName, delegateMailbox.Address);
        copy.ReceivedRepresenting = principal;
        copy.IsDelegated = true;
        return copy;
    }
}

/// <summary>
/// What a delegate's action for its principal changes in a decision (issue 18 §2, §3): the meeting messages sent go out
/// From the principal with the delegate as their Sender (on behalf), and the delegate's own copies of the meeting's
/// requests are processed with the principal's, as pure functions over the decision.
/// </summary>
public static class DelegateActions
{
    /// <summary>Every meeting message <paramref name="decision"/> sends From <paramref name="principal"/> gets <paramref name="delegateAddress"/> as its Sender.</summary>
    public static void SentOnBehalf(Decision decision, Mailbox principal, EmailAddress delegateAddress)
    {
        foreach (var (item, _) in decision.Creates)
        {
            if (item.Kind is ItemKind.MeetingRequest or ItemKind.MeetingResponse or ItemKind.MeetingCancellation && item.From is { } from && from.Is(principal.Address))
            {
                item.Sender = delegateAddress;
            }
        }
    }

    /// <summary>
    /// The delegate's copies of the meeting's requests (<paramref name="delegateView"/>) once it answered for the
    /// principal: read, processed with the answer, and moved to the delegate's Deleted Items (from there, deleted).
    /// </summary>
    public static void ProcessDelegateCopies(Decision decision, MeetingView delegateView, string? responseType, WorkflowContext context)
    {
        var deletedItems = Place.In(delegateView.Owner, MeetingView.DeletedItems);
        foreach (var request in delegateView.ReceivedRequests.Where(static r => r.Item.IsDelegated == true).ToList())
        {
            if (request.Folder == MeetingView.DeletedItems)
            {
                decision.Deletes.Add(request.Item.Id);
                continue;
            }

            var processed = request.Item.Clone();
            processed.IsRead = true;
            processed.HasBeenProcessed = true;
            processed.MyResponseType = responseType;
            decision.Move(request, processed, deletedItems, context);
        }
    }
}
