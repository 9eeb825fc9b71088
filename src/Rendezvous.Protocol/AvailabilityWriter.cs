namespace Rendezvous.Protocol;

/// <summary>
/// Writes m:GetUserAvailabilityResponse. Unlike most operations it has no ResponseMessages: each mailbox's
/// FreeBusyResponse carries its own ResponseMessage, and the SuggestionsResponse another (messages.xsd).
/// Times are written on the wall clock of the request's zone without an offset, as Exchange's availability service does.
/// </summary>
public static class AvailabilityWriter
{
    /// <summary>
    /// Writes the response: one FreeBusyResponse per mailbox in request order (its view, or its error) when free/busy
    /// was asked for, and the SuggestionsResponse when suggestions were; times on the wall clock of <paramref name="zone"/>.
    /// </summary>
    public static void Write(EwsWriter w, TimeZoneInfo zone, IReadOnlyList<(FreeBusyViewResult? View, EwsException? Error)>? freeBusy, IReadOnlyList<SuggestionDay>? suggestions)
    {
        ArgumentNullException.ThrowIfNull(w);
        w.StartM("GetUserAvailabilityResponse");
        if (freeBusy is not null)
        {
            w.StartM("FreeBusyResponseArray");
            foreach (var (view, error) in freeBusy)
            {
                w.StartM("FreeBusyResponse");
                SoapWriter.WriteMessage(w, "ResponseMessage", error, _ => { });
                // A mailbox that could not be answered still gets a view, of type None ("valid for responses", LEARN:requestedview).
                WriteView(w, error is null ? view : null, zone);
                w.End();
            }

            w.End();
        }

        if (suggestions is not null)
        {
            w.StartM("SuggestionsResponse");
            SoapWriter.WriteMessage(w, "ResponseMessage", null, _ => { });
            w.StartM("SuggestionDayResultArray");
            foreach (var day in suggestions)
            {
                WriteDay(w, day, zone);
            }

            w.End();
            w.End();
        }

        w.End();
    }

    private static void WriteView(EwsWriter w, FreeBusyViewResult? view, TimeZoneInfo zone)
    {
        w.StartM("FreeBusyView");
        w.T("FreeBusyViewType", view?.ViewType ?? SchemaValues.FreeBusyViewType.None);
        if (view is not null)
        {
            if (view.MergedFreeBusy is not null)
            {
                w.T("MergedFreeBusy", view.MergedFreeBusy);
            }

            if (view.Events is not null)
            {
                w.StartT("CalendarEventArray");
                foreach (var e in view.Events)
                {
                    WriteEvent(w, e, zone);
                }

                w.End();
            }

            if (view.WorkingHours is { } hours)
            {
                WriteWorkingHours(w, hours, view.Year);
            }
        }

        w.End();
    }

    private static void WriteEvent(EwsWriter w, CalendarEventView e, TimeZoneInfo zone)
    {
        w.StartT("CalendarEvent");
        w.T("StartTime", LegacyTimeZone.FormatLocal(e.Start, zone));
        w.T("EndTime", LegacyTimeZone.FormatLocal(e.End, zone));
        w.T("BusyType", e.BusyType);
        if (e.Details is { } d)
        {
            w.StartT("CalendarEventDetails");
            if (d.Id is not null)
            {
                w.T("ID", d.Id);
            }

            if (d.Subject is not null)
            {
                w.T("Subject", d.Subject);
            }

            if (d.Location is not null)
            {
                w.T("Location", d.Location);
            }

            w.T("IsMeeting", d.IsMeeting);
            w.T("IsRecurring", d.IsRecurring);
            w.T("IsException", d.IsException);
            w.T("IsReminderSet", d.IsReminderSet);
            w.T("IsPrivate", d.IsPrivate);
            w.End();
        }

        w.End();
    }

    /// <summary>WorkingHours: the mailbox's zone in the legacy form (its rules for <paramref name="year"/>) and its working period.</summary>
    public static void WriteWorkingHours(EwsWriter w, WorkingHours hours, int year)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(hours);
        w.StartT("WorkingHours");
        WriteTimeZone(w, "TimeZone", LegacyTimeZone.FromTimeZone(hours.Zone, year));
        w.StartT("WorkingPeriodArray");
        w.StartT("WorkingPeriod");
        w.T("DayOfWeek", string.Join(' ', WorkingHours.WeekOrder.Where(hours.Days.Contains)));
        w.T("StartTimeInMinutes", hours.StartMinutes);
        w.T("EndTimeInMinutes", hours.EndMinutes);
        w.End();
        w.End();
        w.End();
    }

    /// <summary>A SerializableTimeZone element.</summary>
    public static void WriteTimeZone(EwsWriter w, string element, SerializableTimeZone zone)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(zone);
        w.StartT(element);
        w.T("Bias", zone.Bias);
        WriteTransition(w, "StandardTime", zone.StandardTime);
        WriteTransition(w, "DaylightTime", zone.DaylightTime);
        w.End();
    }

    private static void WriteTransition(EwsWriter w, string element, LegacyTransition t)
    {
        w.StartT(element);
        w.T("Bias", t.Bias);
        w.T("Time", t.TimeText);
        w.T("DayOrder", t.DayOrder);
        w.T("Month", t.Month);
        w.T("DayOfWeek", t.DayOfWeek.ToString());
        if (t.Year is { } year)
        {
            w.T("Year", year);
        }

        w.End();
    }

    private static void WriteDay(EwsWriter w, SuggestionDay day, TimeZoneInfo zone)
    {
        w.StartT("SuggestionDayResult");
        w.T("Date", LegacyTimeZone.FormatLocal(day.Date, zone));
        w.T("DayQuality", day.DayQuality);
        w.StartT("SuggestionArray");
        foreach (var s in day.Suggestions)
        {
            w.StartT("Suggestion");
            w.T("MeetingTime", LegacyTimeZone.FormatLocal(s.MeetingTime, zone));
            w.T("IsWorkTime", s.IsWorkTime);
            w.T("SuggestionQuality", s.Quality);
            w.StartT("AttendeeConflictDataArray");
            foreach (var c in s.Conflicts)
            {
                if (c.BusyType is null)
                {
                    w.StartT("UnknownAttendeeConflictData");
                    w.End();
                }
                else
                {
                    w.StartT("IndividualAttendeeConflictData");
                    w.T("BusyType", c.BusyType);
                    w.End();
                }
            }

            w.End();
            w.End();
        }

        w.End();
        w.End();
    }
}
