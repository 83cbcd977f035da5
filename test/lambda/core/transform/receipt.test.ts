import { receiptLine, type ReceiptSource } from '../../../../lambda/core/transform/receipt';

describe('receiptLine', () => {
  it('writes the receipt as JSON.stringify does, fields in order, one line', () => {
    const sources: ReceiptSource[] = [
      { arrival: 1763726400000 },
      { arrival: 1763726400000, sequenceNumber: '49590338271490256608559692538361571095921575989136588898' },
      { arrival: 1763726400000, subsequenceNumber: 0 },
      { arrival: 1763726400000, sequenceNumber: 'a "quoted" \\ sequence', subsequenceNumber: 12 },
      { arrival: Number.NaN, sequenceNumber: '1' },
    ];
    for (const source of sources) {
      for (const events of [0, 1, 1000]) {
        const ordered = {
          ...(source.sequenceNumber !== undefined ? { sequenceNumber: source.sequenceNumber } : {}),
          ...(source.subsequenceNumber !== undefined ? { subsequenceNumber: source.subsequenceNumber } : {}),
          arrival: source.arrival,
          events,
        };
        expect(receiptLine(source, events).toString('utf8')).toBe(`${JSON.stringify(ordered)}\n`);
      }
    }
  });
});
