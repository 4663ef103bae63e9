/** Addresses, dates and threading of drafted replies, on the forms patch mail and archives write them. */
import { describe, expect, it } from 'vitest';
import { attributionDate, attributionLine, formatAddress, listsFor, messageIds, parseAddress, parseAddressList, replySubject } from '../../server/src/patch/replyMail';

describe('addresses', () => {
  it('reads headers and archive obfuscations back into addresses', () => {
    expect(parseAddress('Paul Moore <paul@paul-moore.com>')).toEqual({ name: 'Paul Moore', addr: 'paul@paul-moore.com' });
    expect(parseAddress('Paul Moore <paul(a)paul-moore.com>')).toEqual({ name: 'Paul Moore', addr: 'paul@paul-moore.com' });
    expect(parseAddress('Paul Moore paul at paul-moore.com')).toEqual({ name: 'Paul Moore', addr: 'paul@paul-moore.com' });
    expect(parseAddress('"Moore, Paul" <paul@example.org>')).toEqual({ name: 'Moore, Paul', addr: 'paul@example.org' });
    expect(parseAddress('paul@example.org (Paul Moore)')).toEqual({ name: 'Paul Moore', addr: 'paul@example.org' });
    expect(parseAddress('Paul Moore')).toEqual({ name: 'Paul Moore' });
  });

  it('splits lists on commas outside quotes and brackets, and quotes names that need it', () => {
    expect(parseAddressList('"Moore, Paul" <p@example.org>, a@example.org; B <b@example.org>').map(formatAddress)).toEqual(['"Moore, Paul" <p@example.org>', 'a@example.org', 'B <b@example.org>']);
  });

  it('the list for audit files comes from MAINTAINERS; other files have none', () => {
    expect(listsFor(['kernel/audit.c'])).toEqual(['audit@vger.kernel.org']);
    expect(listsFor(['include/uapi/linux/audit.h'])).toEqual(['audit@vger.kernel.org']);
    expect(listsFor(['net/core/skbuff.c'])).toEqual([]);
  });
});

describe('attribution', () => {
  it('writes the date as mutt does, from RFC 2822, pipermail and ISO forms', () => {
    expect(attributionDate('Wed, 19 Jan 2022 01:26:28 +0000')).toBe('Wed, Jan 19, 2022 at 01:26:28AM +0000');
    expect(attributionDate('19 Jan 2022 13:26:28 -0500')).toBe('Wed, Jan 19, 2022 at 01:26:28PM -0500');
    expect(attributionDate('Wed Jan 19 01:26:28 UTC 2022')).toBe('Wed, Jan 19, 2022 at 01:26:28AM +0000');
    expect(attributionDate('2016-11-23 20:41')).toBe('Wed, Nov 23, 2016 at 08:41PM');
    expect(attributionDate('Mon, 2 Mar 2026 00:05:00 GMT')).toBe('Mon, Mar 2, 2026 at 12:05:00AM +0000');
    expect(attributionDate('last Tuesday')).toBeUndefined();
  });

  it('names the author without the address, and leaves the date out rather than invent one', () => {
    expect(attributionLine(parseAddress('Paul Moore <paul@paul-moore.com>'), 'Wed, 19 Jan 2022 01:26:28 +0000')).toBe('On Wed, Jan 19, 2022 at 01:26:28AM +0000, Paul Moore wrote:');
    expect(attributionLine(parseAddress('Paul Moore <paul@paul-moore.com>'), undefined)).toBe('Paul Moore wrote:');
    expect(attributionLine(undefined, undefined)).toBe('You wrote:');
  });

  it('Re: once; message ids in brackets', () => {
    expect(replySubject('[PATCH] audit: x')).toBe('Re: [PATCH] audit: x');
    expect(replySubject('Re: [PATCH] audit: x')).toBe('Re: [PATCH] audit: x');
    expect(messageIds('<a@b> <c@d>')).toEqual(['<a@b>', '<c@d>']);
    expect(messageIds('a@b')).toEqual(['<a@b>']);
    expect(messageIds(undefined)).toEqual([]);
  });
});
