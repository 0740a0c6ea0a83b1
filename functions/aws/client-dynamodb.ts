/** DynamoDB clients (see clients.ts): the low-level client and the document client over it. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { lazyClient, SMALL_CALLS } from './clients';

export const dynamoDb: () => DynamoDBClient = lazyClient(
  () => new DynamoDBClient({ ...SMALL_CALLS }),
  (c) => c.destroy(),
);

/** removeUndefinedValues; shares the low-level client (destroyed with it). */
export const documentClient: () => DynamoDBDocumentClient = lazyClient(
  () =>
    DynamoDBDocumentClient.from(dynamoDb(), {
      marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
      unmarshallOptions: { wrapNumbers: false },
    }),
  () => {},
);
