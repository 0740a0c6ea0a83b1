/**
 * API Gateway HTTP API with every manifest route, access logs and stage
 * throttling. It sits behind CloudFront: the edge adds `x-origin-verify`, and
 * every handler refuses requests without it (functions/http/origin.ts).
 */
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { RouteDef } from '../functions/contracts/route';
import { routeKey } from '../functions/contracts/route';
import { API_TIMEOUT_SECONDS } from '../functions/platform/manifest';
import type { StageConfig } from './config';

export interface FlarevaultApiProps {
  readonly config: StageConfig;
  /**
   * Steady-state requests per second for the whole stage (per-user limits are
   * enforced in the handlers from TIER_LIMITS).
   * @default 500
   */
  readonly throttleRateLimit?: number;
  /**
   * Burst capacity for the whole stage.
   * @default 1000
   */
  readonly throttleBurstLimit?: number;
}

const APIG4_REASON =
  'Authorization is enforced inside the Lambda, per route, from the manifest `auth` field (public | session | user+scope) by the handler toolkit ' +
  '(functions/http: session cookie + CSRF, session bearer, or scoped API key; tokens stored as SHA-256 hashes and compared in constant time). ' +
  'A Lambda REQUEST authorizer would duplicate that check, add a cold start and a second place for the rules to drift. ' +
  'Direct calls to the execute-api endpoint are refused: every handler first checks the x-origin-verify header, a ≥48-char secret generated ' +
  'in Secrets Manager at deploy time and known only to CloudFront and the functions, so all traffic passes the edge (WAF, security headers, TLS policy).';

export class FlarevaultApi extends Construct {
  public readonly httpApi: apigw.HttpApi;
  public readonly stage: apigw.HttpStage;
  public readonly accessLogs: logs.LogGroup;
  /** Route keys (`GET /api/health`) added so far. */
  public readonly routeKeys: string[] = [];
  private readonly integrations = new Map<lambda.IFunction, HttpLambdaIntegration>();

  constructor(scope: Construct, id: string, props: FlarevaultApiProps) {
    super(scope, id);
    const rate = props.throttleRateLimit ?? 500;
    const burst = props.throttleBurstLimit ?? 1000;
    if (!(rate > 0) || !Number.isInteger(burst) || burst < 1) {
      throw new Error(`FlarevaultApi: throttle rate (${rate}) and burst (${burst}) must be positive`);
    }

    this.httpApi = new apigw.HttpApi(this, 'HttpApi', {
      description: `flarevault ${props.config.stage} API (reached through CloudFront only)`,
      createDefaultStage: false,
      // The execute-api endpoint stays on: it is CloudFront's origin. The origin secret guards it.
      disableExecuteApiEndpoint: false,
    });

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.config.logRetention,
      removalPolicy: props.config.removalPolicy,
    });

    this.stage = new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: rate, burstLimit: burst },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationLatencyMs: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            userAgent: '$context.identity.userAgent',
          }),
        ),
      },
    });
  }

  /** `<apiId>.execute-api.<region>.<suffix>`: CloudFront's origin domain. */
  public get originDomain(): string {
    const stack = Stack.of(this);
    return `${this.httpApi.apiId}.execute-api.${stack.region}.${stack.urlSuffix}`;
  }

  /** Add every route, each integrated with the Lambda of its `fn` (one integration per function). */
  public addRoutes(routes: readonly RouteDef[], functionFor: (fn: string) => lambda.IFunction): void {
    for (const route of routes) this.addRoute(route, functionFor(route.fn));
  }

  public addRoute(route: RouteDef, handler: lambda.IFunction): apigw.HttpRoute {
    const key = routeKey(route);
    return this.addRouteKey(key, route, apigw.HttpMethod[route.method], `Route${route.operationId.charAt(0).toUpperCase()}${route.operationId.slice(1)}`, handler, `${key} (auth: ${route.auth}${route.scope ? `, scope ${route.scope}` : ''}). ${APIG4_REASON}`);
  }

  /**
   * `OPTIONS` routes for the paths applications call from their own origins: the function answers
   * the preflight (functions/http/app-cors.ts). The API itself has no CORS configuration on
   * purpose: with one, API Gateway answers every preflight from its static list and replaces the
   * integration's CORS headers, which would override the per-application origins.
   */
  public addPreflights(preflights: readonly { readonly path: string; readonly fn: string }[], functionFor: (fn: string) => lambda.IFunction): void {
    for (const p of preflights) {
      const id = `Preflight${p.path.replace(/[^A-Za-z0-9]/g, '')}`;
      this.addRouteKey(`OPTIONS ${p.path}`, p, apigw.HttpMethod.OPTIONS, id, functionFor(p.fn), `OPTIONS ${p.path}: CORS preflight, no credential by definition (Fetch standard); the real request is authorised in the Lambda. ${APIG4_REASON}`);
    }
  }

  private addRouteKey(key: string, route: Pick<RouteDef, 'path' | 'fn'>, method: apigw.HttpMethod, id: string, handler: lambda.IFunction, reason: string): apigw.HttpRoute {
    if (this.routeKeys.includes(key)) throw new Error(`FlarevaultApi: duplicate route ${key}`);
    if (!route.path.startsWith('/api/')) throw new Error(`FlarevaultApi: route ${key} must live under /api/`);
    let integration = this.integrations.get(handler);
    if (!integration) {
      integration = new HttpLambdaIntegration(`${route.fn}Integration`, handler, {
        payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0,
        // Stated, not defaulted: every function behind a route stops before it (manifest API_TIMEOUT_SECONDS).
        timeout: Duration.seconds(API_TIMEOUT_SECONDS),
        // One permission per function scoped to this API (per-route permissions would
        // outgrow Lambda's 20 KB resource policy as the manifest grows).
        scopePermissionToRoute: false,
      });
      this.integrations.set(handler, integration);
    }
    const r = new apigw.HttpRoute(this, id, { httpApi: this.httpApi, routeKey: apigw.HttpRouteKey.with(route.path, method), integration });
    Validations.of(r).acknowledge({ id: 'AwsSolutions-APIG4', reason });
    this.routeKeys.push(key);
    return r;
  }
}
