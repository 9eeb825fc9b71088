'use strict';
/*
 * Rooms as an EWS Managed API app finds and books them, through ews-javascript-api 0.15.3: GetRoomLists and GetRooms,
 * then a meeting with the room as a Resource, which the room accepts by itself, and a second meeting at the same time,
 * which it declines. RDV_ROOM is a room in the room list RDV_ROOMLIST (InteropTests makes them on its server); the
 * organizer is RDV_USER1. Times are 30 days from now, inside the room's 180-day booking window; a run tag in subjects.
 */
const { ews, USER1, PASSWORD1, service, runId, utc, Steps, assert, equal } = require('./common');

const ROOM = process.env.RDV_ROOM;
const ROOMLIST = process.env.RDV_ROOMLIST;

async function main() {
  const s = new Steps();
  if (!ROOM || !ROOMLIST) {
    console.log('RDV_ROOM and RDV_ROOMLIST are needed');
    process.exit(2);
  }
  const tag = runId();
  const alice = service(USER1, PASSWORD1, ews.ExchangeVersion.Exchange2010_SP1);
  const Calendar = ews.WellKnownFolderName.Calendar;
  const day = new Date(Date.now() + 30 * 86400000);
  const start = utc(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate(), 10);
  const end = utc(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate(), 10, 45);

  await s.step('get_room_lists', async () => {
    const lists = await alice.GetRoomLists();
    const addresses = [];
    for (let i = 0; i < lists.Count; i++) addresses.push(lists._getItem(i).Address);
    assert(addresses.includes(ROOMLIST), `room lists ${addresses.join(', ')}`);
  });

  await s.step('get_rooms', async () => {
    const rooms = await alice.GetRooms(new ews.EmailAddress(ROOMLIST));
    const addresses = rooms.map((r) => r.Address);
    assert(addresses.includes(ROOM), `rooms ${addresses.join(', ')}`);
  });

  async function book(subject) {
    const meeting = new ews.Appointment(alice);
    meeting.Subject = `${subject} ${tag}`;
    meeting.Start = start;
    meeting.End = end;
    meeting.Location = 'Interop Room';
    meeting.Resources.Add(ROOM);
    await meeting.Save(Calendar, ews.SendInvitationsMode.SendToAllAndSaveCopy);
    return meeting.Id;
  }

  async function roomAnswer(id) {
    const bound = await ews.Appointment.Bind(alice, id, new ews.PropertySet(ews.BasePropertySet.FirstClassProperties, [ews.AppointmentSchema.Resources]));
    const row = bound.Resources.GetEnumerator().find((a) => a.Address.toLowerCase() === ROOM.toLowerCase());
    assert(row, 'the room among the Resources');
    return ews.MeetingResponseType[row.ResponseType];
  }

  await s.step('room_accepts_when_free', async () => {
    const id = await book('Booked');
    equal(await roomAnswer(id), 'Accept', "the room's answer (given before Save returned)");
  }, ['get_rooms']);

  await s.step('room_declines_a_conflict', async () => {
    const id = await book('Clash');
    equal(await roomAnswer(id), 'Decline', "the room's answer");
  }, ['room_accepts_when_free']);

  s.finish();
}

main().catch((error) => {
  console.log(`FAIL script: ${error && error.stack ? error.stack : error}`);
  process.exit(1);
});
