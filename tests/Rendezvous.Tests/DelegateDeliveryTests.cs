using Rendezvous.Calendar;
using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Tests;

/// <summary>The domain's delivery of a principal's meeting messages (issue 18 §2), pure functions tested directly.</summary>
public sealed class DelegateDeliveryTests
{
    private static readonly Mailbox Assistant = new("m-assistant", "assistant@example.com", "Assistant");
    private static readonly Mailbox Deputy = new("m-deputy", "deputy@example.com", "Deputy");
    private static readonly Mailbox Manager = new("m-manager", "manager@example.com", "Manager");

    private static MeetingDelegates Delegates(string deliver) => new(deliver, [Assistant, Deputy]);

    [Theory]
    [InlineData("DelegatesOnly", false, false)]
    [InlineData("DelegatesAndMe", true, false)]
    [InlineData("DelegatesAndSendInformationToMe", true, true)]
    public void A_request_goes_where_DeliverMeetingRequests_says(string deliver, bool toPrincipal, bool informational)
    {
        var plan = DelegateDelivery.Plan(Delegates(deliver), ItemKind.MeetingRequest);
        Assert.Equal((toPrincipal, informational), (plan.ToPrincipal, plan.PrincipalInformational));
        Assert.Equal([Assistant, Deputy], plan.ToDelegates);
    }

    [Fact]
    public void A_cancellation_is_no_informational_copy()
    {
        var plan = DelegateDelivery.Plan(Delegates("DelegatesAndSendInformationToMe"), ItemKind.MeetingCancellation);
        Assert.True(plan.ToPrincipal);
        Assert.False(plan.PrincipalInformational);
    }

    [Fact]
    public void NoForward_no_delegation_or_no_recipient_is_the_principal_alone()
    {
        Assert.Same(MeetingDelivery.PrincipalOnly, DelegateDelivery.Plan(Delegates("NoForward"), ItemKind.MeetingRequest));
        Assert.Same(MeetingDelivery.PrincipalOnly, DelegateDelivery.Plan(null, ItemKind.MeetingRequest));
        Assert.Same(MeetingDelivery.PrincipalOnly, DelegateDelivery.Plan(new MeetingDelegates("DelegatesOnly", []), ItemKind.MeetingRequest));
    }

    [Fact]
    public void A_delegates_copy_is_received_by_it_representing_the_principal()
    {
        var request = new Item { Kind = ItemKind.MeetingRequest, Subject = "Budget", ReceivedBy = new EmailAddress("Manager", Manager.Address) };
        var copy = DelegateDelivery.DelegateCopy(request, Assistant, new EmailAddress("Manager", Manager.Address));
        Assert.Equal(Assistant.Address, copy.ReceivedBy!.Address);
        Assert.Equal(Manager.Address, copy.ReceivedRepresenting!.Address);
        Assert.True(copy.IsDelegated);
        Assert.Null(request.ReceivedRepresenting);
    }

    [Fact]
    public void What_a_delegate_sends_for_the_principal_is_from_the_principal_sent_by_the_delegate()
    {
        var principal = new EmailAddress("Manager", Manager.Address);
        var decision = new Decision();
        var context = new WorkflowContext(DateTime.UnixEpoch, _ => Guid.NewGuid().ToString("N"));
        var response = decision.Create(new Item { Kind = ItemKind.MeetingResponse, From = principal, Sender = principal }, Place.In(Deputy, "inbox"), context);
        var calendarItem = decision.Create(new Item { Kind = ItemKind.CalendarItem, Organizer = principal }, Place.In(Manager, "calendar"), context);
        var someoneElses = decision.Create(new Item { Kind = ItemKind.MeetingRequest, From = new EmailAddress("Deputy", Deputy.Address) }, Place.In(Manager, "inbox"), context);

        DelegateActions.SentOnBehalf(decision, Manager, new EmailAddress("Assistant", Assistant.Address));

        Assert.Equal((Manager.Address, Assistant.Address), (response.From!.Address, response.Sender!.Address));
        Assert.Null(calendarItem.Sender);
        Assert.Null(someoneElses.Sender);
    }
}
